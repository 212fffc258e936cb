"""live room heartbeats in a table of their own (they never wait on the session row lock)

Revision ID: 0011_room
Revises: 0010
Create Date: 2026-12-02 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_room"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_liveness",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("connection_id", sa.String(length=32), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "connection_id"),
    )


def downgrade() -> None:
    op.drop_table("session_liveness")
