"""scorecard review: the AI's original scorecard, a version, the review audit trail, recogniser
word confidences on turns

Revision ID: 0012_scorecard
Revises: 0011_room
Create Date: 2026-12-02 10:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_scorecard"
down_revision: str | None = "0011_room"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> postgresql.JSONB:
    return postgresql.JSONB(none_as_null=True, astext_type=sa.Text())


def upgrade() -> None:
    op.add_column("sessions", sa.Column("ai_scorecard", _json(), nullable=True))
    op.add_column(
        "sessions",
        sa.Column("scorecard_version", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("sessions", sa.Column("review_status", sa.String(length=16), nullable=True))
    op.add_column("session_turns", sa.Column("words", _json(), nullable=True))
    op.create_table(
        "scorecard_reviews",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reviewer_kind", sa.String(length=16), nullable=False),
        sa.Column("reviewer_id", sa.UUID(), nullable=True),
        sa.Column("reviewer_label", sa.String(length=320), nullable=False),
        sa.Column("before", _json(), nullable=False),
        sa.Column("after", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "version", name="uq_scorecard_review_version"),
    )
    op.create_index(
        op.f("ix_scorecard_reviews_workspace_id"), "scorecard_reviews", ["workspace_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_scorecard_reviews_workspace_id"), table_name="scorecard_reviews")
    op.drop_table("scorecard_reviews")
    op.drop_column("session_turns", "words")
    op.drop_column("sessions", "review_status")
    op.drop_column("sessions", "scorecard_version")
    op.drop_column("sessions", "ai_scorecard")
