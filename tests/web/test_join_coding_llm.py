"""The coding questions with an LLM interviewer (a scripted OpenAI-compatible server on
127.0.0.1): they are said as written, and no request to the model carries a hidden test."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.fixtures.model_servers import ModelServer, running_model_server
from tests.web.conftest import Site, running_site
from tests.web.test_join import ANSWERS, new_session, next_of, ws_url
from tests.web.test_join_coding import PROBLEM
from tests.web.test_join_coding_interview import next_ai_turn

from vivavoce.config import Settings
from vivavoce.runtime import Database


@pytest.fixture(scope="module")
async def model() -> AsyncIterator[ModelServer]:
    async with running_model_server() as server:
        yield server


@pytest.fixture(scope="module")
async def site(
    settings: Settings, database: Database, smtp: SmtpServer, model: ModelServer
) -> AsyncIterator[Site]:
    async with running_site(
        settings, database, smtp, llm_base_url=model.api_url, llm_model=model.model
    ) as running:
        yield running


async def test_an_llm_interviewer_asks_the_coding_questions_and_never_sees_hidden_tests(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, model: ModelServer
) -> None:
    session = await new_session(api, tenant)
    added = await api.post(
        "/api/v1/coding-problems",
        json={**PROBLEM, "evaluation_stage_id": session["evaluation_stage_id"]},
        headers=tenant.headers,
    )
    assert added.status_code == 201
    token = session["join_url"].rsplit("/", 1)[1]
    spoken: list[str] = []
    async with websockets.connect(ws_url(session["join_url"])) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        spoken.append((await next_of(socket, "turn"))["text"])
        run = await api.post(
            f"/join/{token}/coding/runs",
            json={
                "language": "python",
                "source": "def total(ns):\n    return 0\n",
                "mode": "submit",
            },
            headers={"Origin": site.url},
        )
        assert run.status_code == 201, run.text
        for step in range(40):
            try:
                await socket.send(json.dumps({"type": "answer", "text": ANSWERS[1 + step % 3]}))
            except websockets.ConnectionClosed:
                break
            said = await next_ai_turn(socket)
            if said is None:
                break
            spoken.append(said)
            if "could it do better" in said:
                break
    assert any("total([1, 2, 3]) returned 0 instead of 6" in t for t in spoken), spoken
    assert any("time and space complexity" in t for t in spoken)
    prompts = json.dumps(model.requests)
    assert "total([1, 2, 3]) returned 0 instead of 6" in prompts  # the model was told
    for hidden in ("SECRET", "[-4, 1]", "2000000000"):
        assert hidden not in prompts
