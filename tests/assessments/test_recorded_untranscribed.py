"""A recorded answer on a server without speech-to-text never leaves the assessment
waiting: the turn says it could not be transcribed and the session completes and is scored
(the recording is kept for the recruiter to play)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.assessments.modes import ORIGIN, pipeline, schedule, scored, token_of
from tests.assessments.recorded import quiet_wav, recorded_stage, stored_files, upload
from tests.assessments.test_async_assessment import ok, step
from tests.conftest import Tenant
from vivavoce.app import create_app
from vivavoce.assessments.transcription import NOT_TRANSCRIBED
from vivavoce.config import Settings
from vivavoce.runtime import Database


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("untranscribed")


@pytest.fixture(scope="module")
async def deaf_client(
    settings: Settings, database: Database, recordings: Path
) -> AsyncIterator[httpx.AsyncClient]:
    deaf = settings.model_copy(update={"stt_provider": "off", "recordings_dir": recordings})
    app = create_app(deaf, database=database, with_worker=True, bootstrap=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_without_a_recogniser_the_assessment_still_completes(
    deaf_client: httpx.AsyncClient, tenant: Tenant, recordings: Path
) -> None:
    client = deaf_client
    world = await pipeline(client, tenant, recorded_stage(retakes=0), email="deaf@example.com")
    session = await schedule(client, tenant, world, "one-way")
    token = token_of(session)
    state = await ok(await client.post(f"/join/{token}/assessment/start", json={}, headers=ORIGIN))
    for _question in range(2):
        state = await ok(await step(client, token, state, "show"))
        state = await ok(await upload(client, token, state, quiet_wav(1)))
    assert state["phase"] == "done"
    card = await scored(client, tenant, session["id"])
    assert card["status"] == "completed"
    turns = (
        await client.get(f"/api/v1/sessions/{session['id']}/transcript", headers=tenant.headers)
    ).json()["data"]
    assert [t["text"] for t in turns if t["speaker"] == "participant"] == [NOT_TRANSCRIBED] * 2
    assert len([p for p in stored_files(recordings) if session["id"] in str(p)]) == 2
