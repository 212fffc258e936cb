"""A worker killed with SIGKILL in the middle of deliveries loses no event."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx

from tests.conftest import Tenant
from tests.events.conftest import register
from tests.fixtures.receiver import Receiver
from vivavoce.config import Settings
from vivavoce.runtime import Database

VIVAVOCE = str(Path(sys.executable).with_name("vivavoce"))
EVENTS = 30


async def start_worker(database: Database, settings: Settings) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "VIVAVOCE_DATABASE_URL": database.url,
        "VIVAVOCE_SECRET_KEY": settings.secret_key,
        "VIVAVOCE_WEBHOOKS_ALLOW_PRIVATE": "true",
        "VIVAVOCE_WEBHOOK_RETRY_SCHEDULE": "[0.5, 1, 1, 1]",
        "VIVAVOCE_WORKER_HEARTBEAT_SECONDS": "2",
        "VIVAVOCE_WORKER_CONCURRENCY": "4",
        "VIVAVOCE_LOG_LEVEL": "warning",
    }
    return await asyncio.create_subprocess_exec(
        VIVAVOCE,
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_every_event_arrives_after_a_worker_is_killed_mid_delivery(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    database: Database,
    settings: Settings,
) -> None:
    receiver.reply = lambda _item, _n: (200, {}, 0.3)  # slow enough to be killed mid-flight
    await register(client, tenant, receiver, events=["participant.created"])
    people = [{"name": f"Person {n}", "email": f"crash{n}@example.com"} for n in range(EVENTS)]
    bulk = await client.post(
        "/api/v1/participants/bulk", json={"participants": people}, headers=tenant.headers
    )
    assert bulk.status_code == 201, bulk.text
    expected = {p["id"] for p in bulk.json()["data"]["created"]}
    assert len(expected) == EVENTS

    first = await start_worker(database, settings)
    try:
        await receiver.wait_for(lambda r: len(r.received) >= 5, within=60)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    assert len({r.webhook_id for r in receiver.received}) < EVENTS  # it really died mid-way

    second = await start_worker(database, settings)
    try:
        await receiver.wait_for(
            lambda r: {i.payload["data"]["participant"]["id"] for i in r.received} >= expected,
            within=90,
        )
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), timeout=30)
    delivered = {item.payload["data"]["participant"]["id"] for item in receiver.received}
    assert delivered == expected
    assert receiver.unverified == []
