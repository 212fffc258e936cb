"""Connections the database server closed are replaced, not handed to requests (no pre-ping)."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile
from vivavoce.runtime import Database

PROFILES = "/api/v1/agent-profiles"


async def terminate_app_connections(database: Database) -> int:
    """What a server restart does to the pooled connections: the server closes them."""
    connection = await asyncpg.connect(database.url)
    try:
        killed = await connection.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND application_name IN ('vivavoce', 'vivavoce-reads')"
        )
    finally:
        await connection.close()
    await asyncio.sleep(0.2)  # the clients notice the closed sockets
    return int(killed)


async def test_requests_after_the_server_closed_every_connection_succeed(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    created = await client.post(PROFILES, json=agent_profile(), headers=tenant.headers)
    assert created.status_code == 201
    location = created.headers["location"]
    assert (await client.get(location, headers=tenant.headers)).status_code == 200

    assert await terminate_app_connections(database) >= 2  # ORM pool and read pool

    # Reads through the read pool, writes through the ORM session, list reads through both.
    assert (await client.get(location, headers=tenant.headers)).status_code == 200
    again = await client.post(PROFILES, json=agent_profile(), headers=tenant.headers)
    assert again.status_code == 201
    listed = await client.get(PROFILES, headers=tenant.headers)
    assert listed.status_code == 200
    assert len(listed.json()["data"]) == 2
