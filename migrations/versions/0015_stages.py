"""stage modes (issue 18): a one-way assessment's progress (one row per session, the plan it
asks and where the candidate is), the per-mode settings of a stage, and the final decision
on an application

Revision ID: 0015_stages
Revises: 0014_review
Create Date: 2026-12-03 10:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_stages"
down_revision: str | None = "0014_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment_progress",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("plan", postgresql.JSONB(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("phase_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("draft", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_index(
        op.f("ix_assessment_progress_workspace_id"), "assessment_progress", ["workspace_id"]
    )
    op.add_column(
        "evaluation_stages",
        sa.Column(
            "mode_settings",
            postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
    )
    op.add_column(
        "template_applications", sa.Column("final_decision", sa.String(length=32), nullable=True)
    )
    op.add_column("template_applications", sa.Column("final_reason", sa.Text(), nullable=True))
    op.add_column(
        "template_applications",
        sa.Column("final_decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "template_applications",
        sa.Column("final_decided_by", sa.String(length=320), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("template_applications", "final_decided_by")
    op.drop_column("template_applications", "final_decided_at")
    op.drop_column("template_applications", "final_reason")
    op.drop_column("template_applications", "final_decision")
    op.drop_column("evaluation_stages", "mode_settings")
    op.drop_index(op.f("ix_assessment_progress_workspace_id"), table_name="assessment_progress")
    op.drop_table("assessment_progress")
