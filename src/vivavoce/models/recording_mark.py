from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import Base, IdMixin, WorkspaceMixin


class RecordingMark(IdMixin, WorkspaceMixin, Base):
    """Where one stretch of speech starts in a session's recording: the recording is the
    candidate's utterances and the interviewer's sentences one after another (no silences),
    so the dashboard needs these to know which part of the audio is which turn."""

    __tablename__ = "recording_marks"
    __table_args__ = (Index("ix_recording_marks_session_offset", "session_id", "offset_ms"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("sessions.id", ondelete="CASCADE")
    )
    offset_ms: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))  # "ai" | "participant"
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
