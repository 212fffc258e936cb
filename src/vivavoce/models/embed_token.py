from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import Base, IdMixin, WorkspaceMixin


class EmbedToken(IdMixin, WorkspaceMixin, Base):
    """A short-lived participant token for one session, for the embeddable widget
    (docs/embed.md, ADR 16). Only digests are stored: `token_digest` of the token the host
    page's server was given (redeemed once, before `expires_at`), and `room_digest` of the
    room key the embedded page was given in exchange (valid until `room_expires_at`)."""

    __tablename__ = "embed_tokens"

    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    origin: Mapped[str] = mapped_column(String(300))  # the one host page origin allowed
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    room_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    room_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
