"""bias audit: candidates' voluntary self-identification, apart from their application

Revision ID: 0018_bias_audit
Revises: 0017_dashboard
Create Date: 2026-12-03 18:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_bias_audit"
down_revision: str | None = "0017_dashboard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "self_identifications",
        sa.Column("participant_id", sa.UUID(), nullable=True),
        sa.Column("apply_request_id", sa.UUID(), nullable=True),
        sa.Column("sex", sa.String(length=32), nullable=True),
        sa.Column("race_ethnicity", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["apply_request_id"], ["apply_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id"),
        sa.UniqueConstraint("apply_request_id"),
    )
    op.create_index(
        op.f("ix_self_identifications_workspace_id"), "self_identifications", ["workspace_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_self_identifications_workspace_id"), table_name="self_identifications")
    op.drop_table("self_identifications")
