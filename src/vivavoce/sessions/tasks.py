"""Jobs: the grace window of a live interview.

Each candidate connection starts a chain of `sessions.grace_check` jobs. A check fails the
interview (`disconnected`) once the connection that holds it has not been heard from for
`join_grace_seconds`; while it is alive, or was heard from recently, the check runs again when
the window could next expire. A newer connection (a reload, a rejoin) starts its own chain and
ends the older one. Because the checks are jobs in the database, a session whose server
process died still fails on time, on any worker.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.jobs import JobContext, JobRegistry, enqueue
from vivavoce.sessions import service

GRACE_CHECK_JOB = "sessions.grace_check"


async def schedule_grace_check(
    db: AsyncSession, session_id: uuid.UUID, connection_id: str, delay_seconds: float
) -> None:
    await enqueue(
        db,
        GRACE_CHECK_JOB,
        {"session_id": str(session_id), "connection_id": connection_id},
        delay=timedelta(seconds=max(0.0, delay_seconds) + 0.05),
    )


async def grace_check(context: JobContext, payload: dict[str, Any]) -> None:
    settings = context.settings
    links = service.SessionLinks(settings.base_url, settings.secret_key)
    session_id = uuid.UUID(payload["session_id"])
    connection_id = str(payload["connection_id"])
    async with unit_of_work(context.sessionmaker) as db:
        left = await service.expire_if_gone(
            db, session_id, connection_id, float(settings.join_grace_seconds), links, utcnow()
        )
        if left is not None:
            await schedule_grace_check(db, session_id, connection_id, left)


def register(registry: JobRegistry) -> None:
    registry.job(GRACE_CHECK_JOB)(grace_check)
