from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import Event


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
) -> list[Event]:
    query = select(Event).where(Event.workspace_id == workspace_id)
    if session_id is not None:
        query = query.where(Event.session_id == session_id)
    if types:
        query = query.where(Event.type.in_(types))
    if before_seq is not None:
        query = query.where(Event.seq < before_seq)
    rows = await db.scalars(query.order_by(Event.seq.desc()).limit(limit))
    return list(rows)
