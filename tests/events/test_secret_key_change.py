"""Endpoint secrets are sealed with VIVAVOCE_SECRET_KEY; a changed key fails clearly."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import Tenant
from tests.events.conftest import register
from tests.fixtures.receiver import Receiver
from vivavoce.config import Settings
from vivavoce.kit.jobs import JobContext, run_worker
from vivavoce.runtime import Database, job_registry


async def test_a_secret_sealed_under_another_key_fails_the_delivery_clearly(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    database: Database,
    settings: Settings,
) -> None:
    endpoint = await register(client, tenant, receiver)
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    other_key = settings.model_copy(update={"secret_key": "another-secret-" + "y" * 32})
    stop = asyncio.Event()
    context = JobContext(settings=other_key, sessionmaker=database.sessionmaker)
    worker = asyncio.create_task(run_worker(database.url, job_registry(), context, stop))
    state: dict[str, Any] = {}
    try:
        for _ in range(200):
            listed = await client.get(
                f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=tenant.headers
            )
            state = listed.json()["data"][0]
            if state["status"] != "pending":
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=20)
    assert state["status"] == "failed"
    assert "VIVAVOCE_SECRET_KEY" in state["last_error"]
    assert receiver.received == []
    assert receiver.unverified == []
