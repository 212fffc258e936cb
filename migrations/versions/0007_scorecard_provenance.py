"""scorecard provenance: scorer, model, rubric version and review reasons

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("scorer", sa.String(length=32), nullable=True))
    op.add_column("sessions", sa.Column("scorer_model", sa.String(length=200), nullable=True))
    op.add_column("sessions", sa.Column("rubric_version", sa.String(length=200), nullable=True))
    op.add_column(
        "sessions",
        sa.Column(
            "review_reasons",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("sessions", "review_reasons")
    op.drop_column("sessions", "rubric_version")
    op.drop_column("sessions", "scorer_model")
    op.drop_column("sessions", "scorer")
