from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.receiver import Receiver, running_receiver
from vivavoce.config import Settings
from vivavoce.kit.jobs import JobContext, run_worker
from vivavoce.runtime import Database, job_registry


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


@pytest.fixture
async def worker(database: Database, settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    context = JobContext(settings=settings, sessionmaker=database.sessionmaker)
    task = asyncio.create_task(run_worker(database.url, job_registry(), context, stop))
    yield
    stop.set()
    await asyncio.wait_for(task, timeout=20)
    for resource in context.resources.values():
        if isinstance(resource, httpx.AsyncClient):
            await resource.aclose()


async def register(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    path: str = "/hook",
    events: list[str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhook-endpoints",
        json={"url": receiver.url(path), "events": events or [], "description": path},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    receiver.secrets.append(data["secret"])
    return data
