from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import Base, IdMixin, WorkspaceMixin


class PhoneCall(IdMixin, WorkspaceMixin, Base):
    """A session held over the phone (docs/phone.md, ADR 18): the number called, the dial-in
    PIN (a keyed digest only), and the calls placed so far. `due_at` is when `vivavoce sip`
    is to call next (null: no call due); `calling_until` is the lease of the process placing
    a call now."""

    __tablename__ = "phone_calls"

    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("sessions.id", ondelete="CASCADE"), unique=True
    )
    phone: Mapped[str] = mapped_column(String(16))  # E.164
    pin_digest: Mapped[str] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    calling_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_outcome: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
