"""A live candidate stays live while the API's connection pool is starved.

The soak found it: with every pooled connection busy, the room's heartbeats could not write
`sessions.live_seen_at`, and the grace check (a job, possibly on another process with a healthy
pool) failed interviews whose candidates were still connected. Heartbeats now write through a
tiny pool of their own. Here the API runs on a pool of 2 connections, the test holds both, and
the grace check is run from elsewhere (the test's own healthy pool), as another worker would.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.web.conftest import Site, running_site
from tests.web.test_join import new_session, next_of, ws_url

from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import create_engine, unit_of_work
from vivavoce.models.session import InterviewSession
from vivavoce.runtime import Database, database_on
from vivavoce.sessions import service as sessions

GRACE_SECONDS = 3.0
STARVED_POOL = 1  # pool_size 1 + overflow 1: two connections in all


@pytest.fixture(scope="module")
async def starved(database: Database) -> AsyncIterator[Database]:
    engine = create_engine(database.url, pool_size=STARVED_POOL)
    try:
        yield database_on(database.url, engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def site(settings: Settings, starved: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, starved, smtp, join_grace_seconds=GRACE_SECONDS) as running:
        yield running


async def _hold_every_connection(starved: Database) -> list[AsyncConnection]:
    held = []
    for _ in range(STARVED_POOL * 2):
        connection = await starved.engine.connect()
        await connection.begin()
        held.append(connection)
    return held


async def _grace_check(database: Database, session_id: uuid.UUID) -> str:
    """What a worker elsewhere would do now; returns the session's status afterwards."""
    links = sessions.SessionLinks("http://127.0.0.1", "x" * 32)
    async with unit_of_work(database.sessionmaker) as db:
        row = (
            await db.execute(select(InterviewSession).where(InterviewSession.id == session_id))
        ).scalar_one()
        connection_id = row.live_connection_id
        assert connection_id is not None
        await sessions.expire_if_gone(db, session_id, connection_id, GRACE_SECONDS, links, utcnow())
    async with unit_of_work(database.sessionmaker) as db:
        status = (
            await db.execute(
                select(InterviewSession.status).where(InterviewSession.id == session_id)
            )
        ).scalar_one()
    return str(status)


async def test_a_connected_candidate_is_not_failed_while_the_pool_is_starved(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, starved: Database, database: Database
) -> None:
    session = await new_session(api, tenant)
    session_id = uuid.UUID(session["id"])
    async with websockets.connect(ws_url(session["join_url"])) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        await next_of(socket, "turn")
        held = await _hold_every_connection(starved)
        try:
            with pytest.raises(TimeoutError):  # the API's pool is really starved
                async with asyncio.timeout(1.0), starved.sessionmaker() as db:
                    await db.execute(select(1))
            for _ in range(3):  # three grace windows, checked after each
                await asyncio.sleep(GRACE_SECONDS)
                assert await _grace_check(database, session_id) == "in_progress"
        finally:
            for connection in held:
                await connection.close()
    # Gone for real (the socket closed, no more heartbeats): failed once the grace runs out.
    await asyncio.sleep(GRACE_SECONDS)
    deadline = asyncio.get_running_loop().time() + GRACE_SECONDS * 5
    while (status := await _grace_check(database, session_id)) == "in_progress":
        assert asyncio.get_running_loop().time() < deadline, status
        await asyncio.sleep(0.5)
    assert status == "failed"
