"""drop-in for Intervyo integrations: stage labels unique case-insensitively, the template's
interview format, Intervyo's template visibilities, the template's creator

Revision ID: 0013_dropin
Revises: 0012_scorecard
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_dropin"
down_revision: str | None = "0012_scorecard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("uq_stage_type", "evaluation_stages", type_="unique")
    op.create_index(
        "uq_stage_type",
        "evaluation_stages",
        ["evaluation_template_id", sa.text("lower(type)")],
        unique=True,
    )
    op.add_column(
        "evaluation_templates",
        sa.Column("format", sa.String(32), nullable=False, server_default="live_ai_interview"),
    )
    op.add_column(
        "evaluation_templates",
        sa.Column(
            "created_by_user_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    op.execute(
        "UPDATE evaluation_templates SET visibility = 'public_template' WHERE visibility = 'public'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE evaluation_templates SET visibility = 'public' WHERE visibility = 'public_template'"
    )
    op.execute(
        "UPDATE evaluation_templates SET visibility = 'private'"
        " WHERE visibility IN ('team', 'organization')"
    )
    op.drop_column("evaluation_templates", "created_by_user_id")
    op.drop_column("evaluation_templates", "format")
    op.drop_index("uq_stage_type", "evaluation_stages")
    op.create_unique_constraint(
        "uq_stage_type", "evaluation_stages", ["evaluation_template_id", "type"]
    )
