"""The transcript: stored turn by turn, read back, and streamed live from another process."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.world import build_world, created, session_body
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Conflict
from vivavoce.runtime import Database
from vivavoce.sessions import service, transcript
from vivavoce.sessions.service import SessionLinks

VIVAVOCE = str(Path(sys.executable).with_name("vivavoce"))


async def started_session(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> uuid.UUID:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    links = SessionLinks(settings.base_url, settings.secret_key)
    async with unit_of_work(database.sessionmaker) as db:
        await service.join(db, session["join_url"].rsplit("/", 1)[1], links, utcnow())
    return uuid.UUID(session["id"])


async def say(database: Database, session_id: uuid.UUID, speaker: str, text: str) -> None:
    now = utcnow()
    async with unit_of_work(database.sessionmaker) as db:
        await transcript.append_turn(db, session_id, speaker, text, now - timedelta(seconds=2), now)  # type: ignore[arg-type]


async def test_turns_are_stored_in_order_and_read_back(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    session_id = await started_session(client, tenant, database, settings)
    await say(database, session_id, "ai", "Hello, I'm Maya.")
    await say(database, session_id, "participant", "Hi Maya!")
    response = await client.get(f"/api/v1/sessions/{session_id}/transcript", headers=tenant.headers)
    turns = response.json()["data"]
    assert [(t["index"], t["speaker"], t["text"]) for t in turns] == [
        (0, "ai", "Hello, I'm Maya."),
        (1, "participant", "Hi Maya!"),
    ]
    assert turns[0]["started_at"].endswith("Z")


async def test_concurrent_writers_never_share_an_index(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    session_id = await started_session(client, tenant, database, settings)
    await asyncio.gather(
        *(say(database, session_id, "participant", f"line {n}") for n in range(20))
    )
    turns = (
        await client.get(f"/api/v1/sessions/{session_id}/transcript", headers=tenant.headers)
    ).json()["data"]
    assert [t["index"] for t in turns] == list(range(20))


async def test_turns_only_while_in_progress(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    with pytest.raises(Conflict):
        await say(database, uuid.UUID(session["id"]), "participant", "too early")


async def test_transcripts_of_another_workspace_are_404(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    database: Database,
    settings: Settings,
) -> None:
    session_id = await started_session(client, tenant, database, settings)
    for path in ("transcript", "transcript/stream"):
        response = await client.get(
            f"/api/v1/sessions/{session_id}/{path}", headers=other_tenant.headers
        )
        assert response.status_code == 404


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def other_process(database: Database, settings: Settings) -> AsyncIterator[str]:
    """A second `vivavoce serve` on the same database."""
    port = free_port()
    env = {
        **os.environ,
        "VIVAVOCE_DATABASE_URL": database.url,
        "VIVAVOCE_SECRET_KEY": settings.secret_key,
        "VIVAVOCE_LOG_LEVEL": "warning",
    }
    process = await asyncio.create_subprocess_exec(
        VIVAVOCE,
        "serve",
        "--no-worker",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(200):
                try:
                    if (await http.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        yield base
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=20)


async def read_events(response: httpx.Response, count: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    async for line in response.aiter_lines():
        if line == "":
            if "event" in current:
                events.append(current)
                if len(events) == count:
                    return events
            current = {}
        elif line.startswith("id: "):
            current["id"] = int(line[4:])
        elif line.startswith("event: "):
            current["event"] = line[7:]
        elif line.startswith("data: "):
            current["data"] = json.loads(line[6:])
    return events


async def test_the_stream_served_by_another_process_misses_nothing_and_resumes(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    other_process: str,
) -> None:
    session_id = await started_session(client, tenant, database, settings)
    await say(database, session_id, "ai", "turn 0 before anyone listened")
    url = f"{other_process}/api/v1/sessions/{session_id}/transcript/stream"
    async with (
        httpx.AsyncClient(timeout=30) as http,
        http.stream("GET", url, headers=tenant.headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")

        async def speak() -> None:
            for n in range(1, 6):
                await say(database, session_id, "participant" if n % 2 else "ai", f"turn {n}")
                await asyncio.sleep(0.02)

        writer = asyncio.create_task(speak())
        events = await asyncio.wait_for(read_events(response, 6), timeout=20)
        await writer
    assert [e["id"] for e in events] == [0, 1, 2, 3, 4, 5]
    assert [e["data"]["text"] for e in events][1:] == [f"turn {n}" for n in range(1, 6)]

    await say(database, session_id, "ai", "turn 6 while disconnected")
    links = SessionLinks(settings.base_url, settings.secret_key)
    async with unit_of_work(database.sessionmaker) as db:
        await service.complete(db, tenant.id, session_id, links, utcnow())
    headers = tenant.headers | {"Last-Event-ID": "4"}
    async with (
        httpx.AsyncClient(timeout=30) as http,
        http.stream("GET", url, headers=headers) as response,
    ):
        resumed = await asyncio.wait_for(read_events(response, 3), timeout=20)
    assert [(e["event"], e.get("id")) for e in resumed] == [("turn", 5), ("turn", 6), ("end", None)]
    assert resumed[2]["data"] == {"status": "completed"}
