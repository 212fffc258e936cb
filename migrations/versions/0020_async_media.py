"""async media: one-way assessment answers recorded as audio or video (the recording
saved but not yet submitted, and every recording key of the session, for erasure)

Revision ID: 0020_async_media
Revises: 0019_embed
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020_async_media"
down_revision: str | None = "0019_embed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "assessment_progress", sa.Column("draft_media", postgresql.JSONB(), nullable=True)
    )
    op.add_column(
        "assessment_progress",
        sa.Column(
            "media_keys",
            postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'[]'::jsonb"),
        ),
    )


def downgrade() -> None:
    op.drop_column("assessment_progress", "media_keys")
    op.drop_column("assessment_progress", "draft_media")
