"""Heartbeats against the real database: a beat never waits behind the session's row lock
(which the room's own turn writes take), and the grace check counts it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import text

from tests.conftest import Tenant
from tests.web.test_join import new_session
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.sessions import service as sessions

CONNECTION = "a" * 32
GRACE_SECONDS = 60.0


async def test_a_heartbeat_never_waits_behind_the_session_row_lock(
    settings: Settings, database: Database, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    scheduled = await new_session(client, tenant)
    session_id = uuid.UUID(scheduled["id"])
    links = sessions.SessionLinks(settings.public_url or "", settings.secret_key)
    joined = utcnow() - timedelta(seconds=50)
    async with unit_of_work(database.sessionmaker) as db:
        await sessions.join(db, scheduled["join_url"].rsplit("/", 1)[1], links, joined)
        await sessions.claim_connection(db, session_id, CONNECTION, joined)

    async def beat() -> bool:
        async with unit_of_work(database.sessionmaker) as db:
            return await sessions.touch_connection(db, session_id, CONNECTION, utcnow())

    async with database.sessionmaker() as writer:  # a turn being written holds the row
        await writer.execute(
            text("SELECT id FROM sessions WHERE id = :id FOR UPDATE"), {"id": session_id}
        )
        assert await asyncio.wait_for(beat(), timeout=5)
        await writer.rollback()

    async with unit_of_work(database.sessionmaker) as db:
        left = await sessions.expire_if_gone(
            db, session_id, CONNECTION, GRACE_SECONDS, links, utcnow()
        )
    # measured from the beat just now, not from the claim 50 s ago
    assert left is not None and left > GRACE_SECONDS - 5


async def test_a_displaced_connections_heartbeat_says_so(
    settings: Settings, database: Database, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    scheduled = await new_session(client, tenant)
    session_id = uuid.UUID(scheduled["id"])
    links = sessions.SessionLinks(settings.public_url or "", settings.secret_key)
    async with unit_of_work(database.sessionmaker) as db:
        await sessions.join(db, scheduled["join_url"].rsplit("/", 1)[1], links, utcnow())
        await sessions.claim_connection(db, session_id, CONNECTION, utcnow())
        await sessions.claim_connection(db, session_id, "b" * 32, utcnow())
    async with unit_of_work(database.sessionmaker) as db:
        assert not await sessions.touch_connection(db, session_id, CONNECTION, utcnow())
