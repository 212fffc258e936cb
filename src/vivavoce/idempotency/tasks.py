"""Jobs: pruning idempotency keys past their 24 h life."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from vivavoce.idempotency import service
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.jobs import JobContext, JobRegistry

log = logging.getLogger(__name__)

PRUNE_JOB = "idempotency.prune"


async def prune_idempotency_keys(context: JobContext, _: dict[str, Any]) -> None:
    async with unit_of_work(context.sessionmaker) as db:
        removed = await service.prune(
            db, utcnow(), timedelta(hours=context.settings.idempotency_ttl_hours)
        )
    if removed:
        log.info("pruned %d idempotency keys", removed)


def register(registry: JobRegistry) -> None:
    registry.job(PRUNE_JOB)(prune_idempotency_keys)
    registry.every(PRUNE_JOB, "*/15 * * * *")(prune_idempotency_keys)
