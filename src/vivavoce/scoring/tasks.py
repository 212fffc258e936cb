"""Jobs: scoring a completed session (enqueued with `session.completed`, in its transaction).

Idempotent: the scorecard is written once (a second run finds `scored_at` and stops). While
the LLM provider is down the job raises, and the queue retries it with exponential backoff.
"""

from __future__ import annotations

import uuid
from typing import Any

from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.jobs import JobContext, JobRegistry
from vivavoce.scoring import service
from vivavoce.sessions import service as sessions


async def score_session(context: JobContext, payload: dict[str, Any]) -> None:
    settings = context.settings
    links = sessions.SessionLinks(settings.base_url, settings.secret_key)
    session_id = uuid.UUID(payload["session_id"])
    async with unit_of_work(context.sessionmaker) as db:
        job = await service.prepare(db, session_id)
    if job is None:
        return
    card = await service.evaluate(job.rubric, job.transcript, settings, language=job.language)
    async with unit_of_work(context.sessionmaker) as db:
        await service.record(db, job, card, links, utcnow())


def register(registry: JobRegistry) -> None:
    registry.job(sessions.SCORE_JOB)(score_session)
