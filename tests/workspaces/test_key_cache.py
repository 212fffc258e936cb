"""API keys are remembered per process, yet a revoked key is refused at once everywhere."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile
from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.kit import crypto
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.workspaces import service as workspaces

PROFILES = "/api/v1/agent-profiles"


@pytest.fixture
async def two_apps(settings: Settings, database: Database) -> AsyncIterator[list[Any]]:
    """Two API processes' apps on one database, remembering keys far longer than a test."""
    cached = settings.model_copy(update={"api_key_cache_seconds": 600.0})
    async with AsyncExitStack() as stack:
        apps = []
        for _ in range(2):
            app = create_app(cached, database=database, with_worker=False, bootstrap=False)
            await stack.enter_async_context(app.router.lifespan_context(app))
            apps.append(app)
        deadline = time.monotonic() + 10
        while not all(app.state.vv.keys.active for app in apps):
            assert time.monotonic() < deadline, "the key listeners did not connect"
            await asyncio.sleep(0.02)
        yield apps


def client_of(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def status_on(app: Any, headers: dict[str, str]) -> int:
    async with client_of(app) as http:
        return (await http.get(PROFILES, headers=headers)).status_code


async def key_id_of(database: Database, secret: str) -> Any:
    async with unit_of_work(database.sessionmaker) as db:
        return (
            await db.execute(
                text("SELECT id FROM api_keys WHERE digest = :d"), {"d": crypto.digest(secret)}
            )
        ).scalar_one()


async def test_a_revoked_key_is_refused_at_once_by_every_process(
    two_apps: list[Any], tenant: Tenant, database: Database
) -> None:
    for app in two_apps:
        assert await status_on(app, tenant.headers) == 200
        assert len(app.state.vv.keys) == 1  # remembered: the next request reads no key row
    key_id = await key_id_of(database, tenant.key)
    async with unit_of_work(database.sessionmaker) as db:
        await workspaces.revoke_api_key(db, tenant.id, key_id, utcnow())

    # The notification arrives within milliseconds of the commit, far inside the cache's
    # ten minutes; give it a second on a loaded machine.
    for app in two_apps:
        deadline = time.monotonic() + 1.0
        while (status := await status_on(app, tenant.headers)) == 200:
            assert time.monotonic() < deadline, "a revoked key was still accepted"
            await asyncio.sleep(0.01)
        assert status == 401
        assert len(app.state.vv.keys) == 0


async def test_a_key_is_remembered_until_a_revocation_is_announced(
    two_apps: list[Any], tenant: Tenant, database: Database
) -> None:
    """What the notification is for: revoked behind vivavoce's back (no NOTIFY), a key stays
    usable in a process that remembers it, until its TTL."""
    app = two_apps[0]
    assert await status_on(app, tenant.headers) == 200
    async with unit_of_work(database.sessionmaker) as db:
        await db.execute(
            text("UPDATE api_keys SET revoked_at = now() WHERE digest = :d"),
            {"d": crypto.digest(tenant.key)},
        )
    assert await status_on(app, tenant.headers) == 200
    assert await status_on(two_apps[1], tenant.headers) == 401  # never remembered there


async def test_last_used_at_is_written_once_per_interval_not_per_request(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    async def last_used() -> Any:
        async with unit_of_work(database.sessionmaker) as db:
            return (
                await db.execute(
                    text("SELECT last_used_at FROM api_keys WHERE digest = :d"),
                    {"d": crypto.digest(tenant.key)},
                )
            ).scalar_one()

    assert await last_used() is None
    assert (await client.get(PROFILES, headers=tenant.headers)).status_code == 200
    first = await last_used()
    assert first is not None
    for _ in range(5):
        assert (await client.get(PROFILES, headers=tenant.headers)).status_code == 200
    # a touch is written before the response (the first request's was): none happened
    assert await last_used() == first  # within api_key_touch_seconds (60 s by default)


async def test_writes_still_authenticate_through_the_cache(
    two_apps: list[Any], tenant: Tenant
) -> None:
    async with client_of(two_apps[0]) as http:
        created = await http.post(PROFILES, json=agent_profile(), headers=tenant.headers)
        assert created.status_code == 201
        fetched = await http.get(created.headers["location"], headers=tenant.headers)
        assert fetched.status_code == 200
        assert fetched.json()["data"]["id"] == created.json()["data"]["id"]


async def test_nothing_is_remembered_while_not_listening(
    two_apps: list[Any], tenant: Tenant, database: Database
) -> None:
    app = two_apps[0]
    assert await status_on(app, tenant.headers) == 200
    assert len(app.state.vv.keys) == 1
    await app.state.vv.keys_listener.close()  # as if its connection were lost for good
    assert len(app.state.vv.keys) == 0
    assert await status_on(app, tenant.headers) == 200
    assert len(app.state.vv.keys) == 0
    async with unit_of_work(database.sessionmaker) as db:
        await db.execute(
            text("UPDATE api_keys SET revoked_at = now() WHERE digest = :d"),
            {"d": crypto.digest(tenant.key)},
        )
    assert await status_on(app, tenant.headers) == 401
