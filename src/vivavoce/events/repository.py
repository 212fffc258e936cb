from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import Event
from vivavoce.templates.visibility import about_none_hidden


async def add(db: AsyncSession, event: Event) -> Event:
    db.add(event)
    await db.flush()
    return event


async def list_events(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    limit: int,
    before_seq: int | None = None,
    session_id: uuid.UUID | None = None,
    types: list[str] | None = None,
    hidden_template_ids: frozenset[uuid.UUID] = frozenset(),
) -> list[Event]:
    query = select(Event).where(
        Event.workspace_id == workspace_id,
        *about_none_hidden(
            hidden_template_ids,
            session_id=Event.session_id,
            application_id=Event.application_id,
            participant_id=Event.participant_id,
        ),
    )
    if session_id is not None:
        query = query.where(Event.session_id == session_id)
    if types:
        query = query.where(Event.type.in_(types))
    if before_seq is not None:
        query = query.where(Event.seq < before_seq)
    rows = await db.scalars(query.order_by(Event.seq.desc()).limit(limit))
    return list(rows)


async def redact_for_participant(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    participant_id: uuid.UUID,
    redacted: dict[str, object],
) -> list[str]:
    """Replace the snapshots of every event about this participant; the event ids."""
    result = await db.execute(
        update(Event)
        .where(Event.workspace_id == workspace_id, Event.participant_id == participant_id)
        .values(data=redacted)
        .returning(Event.id)
    )
    return [row[0] for row in result]
