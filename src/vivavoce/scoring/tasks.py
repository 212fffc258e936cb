"""Jobs: scoring a completed session (enqueued with `session.completed`, in its transaction).

Idempotent: the scorecard is written once (a second run finds `scored_at` and stops). While
the LLM provider is down the job queues another attempt with exponential backoff; once the
interview ended longer ago than `VIVAVOCE_SCORING_LLM_PATIENCE_SECONDS`, the offline scorer
scores it instead and flags the scorecard for human review.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from vivavoce.interviewer.providers import ProviderUnavailable
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.jobs import JobContext, JobRegistry
from vivavoce.scoring import service
from vivavoce.sessions import service as sessions

log = logging.getLogger(__name__)


async def score_session(context: JobContext, payload: dict[str, Any]) -> None:
    settings = context.settings
    links = sessions.SessionLinks(settings.base_url, settings.secret_key)
    session_id = uuid.UUID(payload["session_id"])
    async with unit_of_work(context.sessionmaker) as db:
        job = await service.prepare(db, session_id)
    if job is None:
        return
    try:
        card = await service.evaluate(job.rubric, job.transcript, settings, language=job.language)
    except ProviderUnavailable as error:
        if not service.llm_patience_exhausted(job, settings, utcnow()):
            attempt = int(payload.get("attempt", 0)) + 1
            delay = service.retry_delay(attempt, settings)
            log.warning("scoring %s waits %s for the LLM judge: %s", session_id, delay, error)
            async with unit_of_work(context.sessionmaker) as db:
                await service.score_again_later(db, session_id, attempt, delay)
            return
        log.error("LLM judge unreachable too long; scoring %s offline: %s", session_id, error)
        card = await service.evaluate_offline_after_outage(job)
    async with unit_of_work(context.sessionmaker) as db:
        await service.record(db, job, card, links, utcnow())


def register(registry: JobRegistry) -> None:
    registry.job(sessions.SCORE_JOB)(score_session)
