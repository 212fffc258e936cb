from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, WorkspaceMixin


class AssessmentProgress(WorkspaceMixin, Base):
    """Where the candidate of a one-way assessment (`async_assessment`) is: the plan it asks
    (fixed when the candidate starts), the question on the table, the attempt at it, its
    phase (`ready`, `preparing`, `answering`, `review`) since when, and the answer recorded
    but not yet submitted (`draft` typed, `draft_media` recorded: its storage key, kind,
    content type, size and length). Submitted answers are transcript turns. `media_keys`
    lists every recording stored for the session (drafts and submitted), so an erasure finds
    them all after the transcript is wiped."""

    __tablename__ = "assessment_progress"

    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(16))
    phase_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    draft: Mapped[str | None] = mapped_column(Text)
    draft_media: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    media_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
