from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, IdMixin, TimestampMixin, WorkspaceMixin


class WebhookDelivery(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """One event for one endpoint, with the exact envelope to send on every attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_delivery_endpoint_event"),
        Index("ix_deliveries_endpoint", "endpoint_id", "id"),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The job allowed to make the next attempt; a replay issues a new ticket, so a retry
    # that was already scheduled becomes a no-op instead of a second request.
    ticket: Mapped[str] = mapped_column(String(32))
    # Set while an attempt is in flight: a job re-claimed meanwhile (its worker's heartbeat
    # lapsed) waits for the lease instead of sending the same event a second time.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
