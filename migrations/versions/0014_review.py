"""reviewer's dashboard: the template shortlist (who added whom, when) and the user who
created an API key (a key acts as that user for `private` templates)

Revision ID: 0014_review
Revises: 0013_dropin
Create Date: 2026-12-02 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_review"
down_revision: str | None = "0013_dropin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shortlist_entries",
        sa.Column("evaluation_template_id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("added_by_kind", sa.String(length=16), nullable=False),
        sa.Column("added_by_id", sa.UUID(), nullable=True),
        sa.Column("added_by_label", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_template_id"], ["evaluation_templates.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["candidate_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "evaluation_template_id", "candidate_id", name="uq_shortlist_template_candidate"
        ),
    )
    op.create_index(
        op.f("ix_shortlist_entries_workspace_id"), "shortlist_entries", ["workspace_id"]
    )
    op.add_column(
        "api_keys",
        sa.Column(
            "created_by_user_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("api_keys", "created_by_user_id")
    op.drop_index(op.f("ix_shortlist_entries_workspace_id"), table_name="shortlist_entries")
    op.drop_table("shortlist_entries")
