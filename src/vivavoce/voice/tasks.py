"""Jobs: deleting recordings after a purge (idempotent: a missing file is already gone)."""

from __future__ import annotations

from typing import Any

from vivavoce.kit.jobs import JobContext, JobRegistry
from vivavoce.voice import service


async def delete_recordings(context: JobContext, payload: dict[str, Any]) -> None:
    keys = [str(key) for key in payload.get("keys", [])]
    await service.delete_recordings(service.store_for(context.settings), keys)


def register(registry: JobRegistry) -> None:
    registry.job(service.DELETE_RECORDINGS_JOB)(delete_recordings)
