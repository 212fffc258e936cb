"""SQL for authenticity signals (`session_signals`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import SessionSignal


async def count_for_session(db: AsyncSession, session_id: uuid.UUID) -> int:
    found = await db.scalar(
        select(func.count())
        .select_from(SessionSignal)
        .where(SessionSignal.session_id == session_id)
    )
    return int(found or 0)


async def add_all(db: AsyncSession, rows: Sequence[SessionSignal]) -> None:
    db.add_all(rows)
    await db.flush()


async def for_session(db: AsyncSession, session_id: uuid.UUID) -> list[SessionSignal]:
    rows = await db.scalars(
        select(SessionSignal)
        .where(SessionSignal.session_id == session_id)
        .order_by(SessionSignal.occurred_at, SessionSignal.id)
    )
    return list(rows)
