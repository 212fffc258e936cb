"""Jobs: scheduling the first stage of an approved application."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from vivavoce.applications import apply_service, progression, service
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.jobs import JobContext, JobRegistry
from vivavoce.sessions import service as sessions

log = logging.getLogger(__name__)


async def start_first_stage(context: JobContext, payload: dict[str, Any]) -> None:
    """`progression.start_first_stage` in a transaction of its own."""
    settings = context.settings
    links = sessions.SessionLinks(settings.base_url, settings.secret_key)
    async with unit_of_work(context.sessionmaker) as db:
        await progression.start_first_stage(
            db, uuid.UUID(payload["application_id"]), links, utcnow()
        )


PRUNE_APPLY_REQUESTS_JOB = "applications.prune_apply_requests"


async def prune_apply_requests(context: JobContext, _: dict[str, Any]) -> None:
    async with unit_of_work(context.sessionmaker) as db:
        removed = await apply_service.prune(db, utcnow())
    if removed:
        log.info("pruned %d apply-page submissions older than a day", removed)


def register(registry: JobRegistry) -> None:
    registry.job(service.START_FIRST_STAGE_JOB)(start_first_stage)
    registry.every(PRUNE_APPLY_REQUESTS_JOB, "7 * * * *")(prune_apply_requests)
