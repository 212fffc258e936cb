from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, IdMixin, WorkspaceMixin


class ScorecardReview(IdMixin, WorkspaceMixin, Base):
    """One reviewer's action on a session's scorecard: who, when, before → after, why.
    Rows are only ever added; `version` is the scorecard version the action produced."""

    __tablename__ = "scorecard_reviews"
    __table_args__ = (
        UniqueConstraint("session_id", "version", name="uq_scorecard_review_version"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("sessions.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # "confirmed" | "adjusted"
    reason: Mapped[str | None] = mapped_column(Text)
    reviewer_kind: Mapped[str] = mapped_column(String(16))  # "user" | "api_key"
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    reviewer_label: Mapped[str] = mapped_column(String(320))
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
