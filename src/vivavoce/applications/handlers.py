"""How applications follow their sessions: handlers of `sessions`' domain events
(`kit.bus`), run in the change's transaction, subscribed by `register` (called by
`runtime.domain_handlers`)."""

from __future__ import annotations

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.applications import service
from vivavoce.kit.bus import Handlers
from vivavoce.kit.jobs import JobSpec
from vivavoce.sessions.domain_events import SessionScheduled


async def rollup(db: AsyncSession, event: SessionScheduled) -> None:
    """A new session reopens its stage (a retry): the stored outcome follows."""
    await service.refresh_outcome(db, event.application, event.now)


async def rollup_on(connection: asyncpg.Connection, event: SessionScheduled) -> list[JobSpec]:
    """`rollup` for a session written on asyncpg (`sessions.scheduling`)."""
    await service.refresh_outcome_on(connection, event.application, event.now)
    return []


def register(handlers: Handlers) -> None:
    handlers.subscribe(SessionScheduled, rollup)
    handlers.subscribe_on(SessionScheduled, rollup_on)
