"""dashboard: where each stretch of speech starts in a session's recording (so playback can
follow the transcript)

Revision ID: 0017_dashboard
Revises: 0016_coding
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_dashboard"
down_revision: str | None = "0016_coding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recording_marks",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("offset_ms", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_recording_marks_workspace_id"), "recording_marks", ["workspace_id"])
    op.create_index(
        "ix_recording_marks_session_offset", "recording_marks", ["session_id", "offset_ms"]
    )


def downgrade() -> None:
    op.drop_index("ix_recording_marks_session_offset", table_name="recording_marks")
    op.drop_index(op.f("ix_recording_marks_workspace_id"), table_name="recording_marks")
    op.drop_table("recording_marks")
