"""Recordings through the API: linked to a session, served by signed link, erased by purge."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.world import build_world, created, session_body
from vivavoce.config import Settings
from vivavoce.runtime import Database
from vivavoce.voice import service
from vivavoce.voice.audio import from_wav
from vivavoce.voice.recordings import recording_key

AUDIO = bytes(range(256)) * 125  # one second of 16 kHz 16-bit audio


@pytest.mark.usefixtures("worker")
async def test_purge_deletes_the_recording(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings, database: Database
) -> None:
    email = f"rec-{uuid.uuid4().hex[:8]}@example.com"
    world = await build_world(client, tenant.headers, email=email)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    fetched = await client.get(f"/api/v1/sessions/{session['id']}", headers=tenant.headers)
    assert fetched.json()["data"]["recording_url"] is None  # nothing recorded yet

    store = service.store_for(settings)
    key = recording_key(tenant.id, session["id"])
    await store.append(key, AUDIO)
    await service.attach_recording(database.sessionmaker, uuid.UUID(session["id"]), key)

    current = (
        await client.get(f"/api/v1/sessions/{session['id']}", headers=tenant.headers)
    ).json()["data"]
    url = current["recording_url"]
    assert url.startswith(f"http://testserver/api/v1/recordings/{session['id']}.wav?")
    served = await client.get(url)  # no API key: the link is the credential
    assert served.status_code == 200
    assert from_wav(served.content) == (AUDIO, 16_000)

    purged = await client.delete(
        f"/api/v1/participants/{world.participant_id}?purge=true", headers=tenant.headers
    )
    assert purged.status_code == 200, purged.text
    after = (await client.get(f"/api/v1/sessions/{session['id']}", headers=tenant.headers)).json()[
        "data"
    ]
    assert after["recording_url"] is None
    assert (await client.get(url)).status_code == 404  # the old link leads nowhere
    for _ in range(100):  # the audio itself goes in a job after the purge commits
        if await store.open(key) is None:
            break
        await asyncio.sleep(0.1)
    assert await store.open(key) is None
