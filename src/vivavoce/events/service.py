"""Writing and reading the event log. Every event is written in the transaction of the
change it describes, so a rolled-back change emits nothing and a committed one is never lost."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.events import repository
from vivavoce.events.schemas import EVENT_TYPES, event_public
from vivavoce.events.webhooks import service as webhooks
from vivavoce.kit.errors import Issue, Unprocessable
from vivavoce.kit.ids import new_event_id
from vivavoce.kit.jobs import JobSpec
from vivavoce.kit.pagination import Page
from vivavoce.models import Event


async def record(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    event_type: str,
    data: dict[str, Any],
    occurred_at: datetime,
    *,
    session_id: uuid.UUID | None = None,
    participant_id: uuid.UUID | None = None,
    application_id: uuid.UUID | None = None,
) -> Event:
    """Append one event (with the full object snapshot in `data`) to the log."""
    event = _new_event(
        workspace_id, event_type, data, occurred_at, session_id, participant_id, application_id
    )
    await repository.add(db, event)
    await webhooks.fan_out(db, event)
    return event


async def record_on(
    connection: asyncpg.Connection,
    workspace_id: uuid.UUID,
    event_type: str,
    data: dict[str, Any],
    occurred_at: datetime,
    *,
    session_id: uuid.UUID | None = None,
    participant_id: uuid.UUID | None = None,
    application_id: uuid.UUID | None = None,
) -> list[JobSpec]:
    """`record` on a connection inside the caller's transaction, the event and its webhook
    deliveries in one statement; the deliveries' jobs are returned for the caller to enqueue
    with its own."""
    event = _new_event(
        workspace_id, event_type, data, occurred_at, session_id, participant_id, application_id
    )
    return await webhooks.record_with_fan_out_on(connection, event)


def _new_event(
    workspace_id: uuid.UUID,
    event_type: str,
    data: dict[str, Any],
    occurred_at: datetime,
    session_id: uuid.UUID | None,
    participant_id: uuid.UUID | None,
    application_id: uuid.UUID | None,
) -> Event:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    return Event(
        id=new_event_id(),
        workspace_id=workspace_id,
        type=event_type,
        occurred_at=occurred_at,
        session_id=session_id,
        participant_id=participant_id,
        application_id=application_id,
        data=data,
    )


def _decode_seq(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise Unprocessable(
            "cursor is not valid", [Issue(["query", "cursor"], "not a cursor returned by this API")]
        )
    return int(cursor)


async def list_events(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None = None,
    session_id: uuid.UUID | None = None,
    types: list[str] | None = None,
    hidden_template_ids: frozenset[uuid.UUID] = frozenset(),
) -> Page[dict[str, Any]]:
    """The log, newest first, without the events about a session, application or
    participant of the templates in `hidden_template_ids` (`templates.service.hidden_from`)."""
    unknown = [t for t in types or [] if t not in EVENT_TYPES]
    if unknown:
        raise Unprocessable(
            "unknown event type",
            [
                Issue(
                    ["query", "event"],
                    f"unknown: {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}",
                )
            ],
        )
    rows = await repository.list_events(
        db,
        workspace_id,
        limit=limit + 1,
        before_seq=_decode_seq(cursor),
        session_id=session_id,
        types=types,
        hidden_template_ids=hidden_template_ids,
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    return Page(
        items=[event_public(row) for row in rows],
        has_more=has_more,
        next_cursor=str(rows[-1].seq) if has_more and rows else None,
    )


REDACTED = {"redacted": True, "reason": "personal data erased on request"}


async def redact_participant(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> int:
    """Erase the object snapshots of a participant's events, here and in webhook deliveries
    still kept; the events themselves stay (counts, times, types)."""
    event_ids = await repository.redact_for_participant(db, workspace_id, participant_id, REDACTED)
    await webhooks.redact_deliveries(db, event_ids, REDACTED)
    return len(event_ids)
