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
from typing import Any

from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.jobs import JobContext, JobRegistry
from vivavoce.sessions import service


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
            await service.schedule_grace_check(db, session_id, connection_id, left)


def register(registry: JobRegistry) -> None:
    registry.job(service.GRACE_CHECK_JOB)(grace_check)
