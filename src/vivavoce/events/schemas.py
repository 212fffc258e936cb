from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from vivavoce.kit.clock import isoformat_z
from vivavoce.models import Event

EVENT_TYPES = (
    "session.created",
    "session.started",
    "session.completed",
    "session.failed",
    "session.cancelled",
    "session.scored",
    "participant.created",
    "application.approved",
    "application.rejected",
    "session.score_reviewed",
    "application.decided",
    "session.call_attempted",  # a phone interview's call (docs/phone.md)
)


class EventOut(BaseModel):
    id: str
    event: str
    occurred_at: str
    session_id: str | None
    participant_id: str | None
    application_id: str | None
    data: dict[str, Any]


def event_public(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "event": event.type,
        "occurred_at": isoformat_z(event.occurred_at),
        "session_id": str(event.session_id) if event.session_id else None,
        "participant_id": str(event.participant_id) if event.participant_id else None,
        "application_id": str(event.application_id) if event.application_id else None,
        "data": event.data,
    }
