from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, IdMixin, WorkspaceMixin


class SessionSignal(IdMixin, WorkspaceMixin, Base):
    """One authenticity signal of an interview (a tab switch, a paste, …), with the time it
    happened and the number of turns the candidate had seen; reported verbatim."""

    __tablename__ = "session_signals"
    __table_args__ = (Index("ix_session_signals_session_time", "session_id", "occurred_at"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("sessions.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    turn_index: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
