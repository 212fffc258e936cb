"""Jobs: running a queued code execution in this worker's sandbox."""

from __future__ import annotations

import uuid
from typing import Any

from vivavoce.coding import service
from vivavoce.coding.executor import Executor
from vivavoce.coding.sandbox import Sandbox, SandboxConfig
from vivavoce.kit.jobs import JobContext, JobRegistry

_EXECUTOR = "coding.executor"


def executor_of(context: JobContext) -> Executor:
    """This worker process's executor: one sandbox, whose slots all its jobs share."""
    found = context.resources.get(_EXECUTOR)
    if not isinstance(found, Executor):
        found = Executor(Sandbox(SandboxConfig.from_settings(context.settings)))
        context.resources[_EXECUTOR] = found
    return found


async def execute(context: JobContext, payload: dict[str, Any]) -> None:
    execution_id = uuid.UUID(payload["execution_id"])
    await service.run(context.sessionmaker, executor_of(context), execution_id)


def register(registry: JobRegistry) -> None:
    registry.job(service.JOB)(execute)
