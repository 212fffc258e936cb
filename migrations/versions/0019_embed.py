"""embed: the embeddable interview widget's short-lived participant tokens (stored as
digests) and each template's allowed embedding origins

Revision ID: 0019_embed
Revises: 0018_bias_audit
Create Date: 2026-12-03 18:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019_embed"
down_revision: str | None = "0018_bias_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "evaluation_templates",
        sa.Column(
            "embed_origins",
            postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'[]'::jsonb"),
        ),
    )
    op.create_table(
        "embed_tokens",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=300), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("room_digest", sa.String(length=64), nullable=True),
        sa.Column("room_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_digest"),
        sa.UniqueConstraint("room_digest"),
    )
    op.create_index(op.f("ix_embed_tokens_workspace_id"), "embed_tokens", ["workspace_id"])
    op.create_index(op.f("ix_embed_tokens_session_id"), "embed_tokens", ["session_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_embed_tokens_session_id"), table_name="embed_tokens")
    op.drop_index(op.f("ix_embed_tokens_workspace_id"), table_name="embed_tokens")
    op.drop_table("embed_tokens")
    op.drop_column("evaluation_templates", "embed_origins")
