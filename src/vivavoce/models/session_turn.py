from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, IdMixin, WorkspaceMixin


class SessionTurn(IdMixin, WorkspaceMixin, Base):
    """One turn of the conversation, stored the moment it happens."""

    __tablename__ = "session_turns"
    __table_args__ = (UniqueConstraint("session_id", "index", name="uq_turn_index"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("sessions.id", ondelete="CASCADE")
    )
    index: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    # voice turns: the recogniser's words with their probabilities, [{"word", "p"}, …]
    words: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
