"""The interviewer knows the candidate's code: after a failing Run, the live room (offline
interviewer, real server, real sandbox) asks about the approach with the run's outcome,
probes the visible test that failed, asks about complexity, and never says a hidden test."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets
from tests.conftest import Tenant
from tests.web.conftest import Site
from tests.web.test_join import ANSWERS, new_session, next_of, ws_url
from tests.web.test_join_coding import PROBLEM


async def test_the_interviewer_asks_about_the_latest_run_and_keeps_hidden_tests_hidden(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
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
    answers = ANSWERS[1:]
    async with websockets.connect(ws_url(session["join_url"])) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        spoken.append((await next_of(socket, "turn"))["text"])
        run = await api.post(
            f"/join/{token}/coding/runs",
            json={
                "language": "python",
                "source": "def total(numbers):\n    return 0\n",
                "mode": "submit",
            },
            headers={"Origin": site.url},
        )
        assert run.status_code == 201, run.text
        assert run.json()["passed"] == 1  # only the empty list sums to 0
        for step in range(40):  # answer until the interviewer closes the interview
            try:
                await socket.send(
                    json.dumps({"type": "answer", "text": answers[step % len(answers)]})
                )
            except websockets.ConnectionClosed:
                break
            said = await next_ai_turn(socket)
            if said is None:
                break
            spoken.append(said)
    approach = next(t for t in spoken if "Walk me through your approach" in t)
    assert "Your latest submission passed 1 of 4 tests, 0 of 2 of them hidden." in approach
    probe = next(t for t in spoken if "went wrong there" in t)
    assert "total([1, 2, 3]) returned 0 instead of 6" in probe
    assert any("time and space complexity" in t for t in spoken)
    everything = " ".join(spoken)
    assert "SECRET" not in everything and "-4" not in everything and "2000000000" not in everything

    scored = await scored_session(api, tenant, session["id"])
    [coding] = [d for d in scored["evaluation_breakdown"] if d["dimension_id"] == "coding"]
    assert coding["runs"] == ["submission 1: 0/2 hidden tests, 1/2 visible (python)"]
    assert coding["feedback"].startswith("Tests: submission 1: 0/2 hidden tests")
    assert coding["weight"] == 0.3 and coding["evidence_turns"]  # the coding answers
    assert "Discussion of the code (turns" in coding["feedback"]
    assert sum(d["weight"] for d in scored["evaluation_breakdown"]) == pytest.approx(1.0, abs=1e-3)


async def next_ai_turn(socket: Any) -> str | None:
    """The interviewer's next turn, or None once the interview has ended."""
    try:
        async with asyncio.timeout(15):
            while True:
                message = json.loads(await socket.recv())
                if message["type"] == "turn" and message["speaker"] == "ai":
                    return str(message["text"])
                if message["type"] == "ended":
                    return None
    except websockets.ConnectionClosed:
        return None


async def scored_session(api: httpx.AsyncClient, tenant: Tenant, session_id: str) -> Any:
    for _ in range(200):
        response = await api.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)
        session = response.json()["data"]
        if session["scored_at"]:
            return session
        await asyncio.sleep(0.1)
    raise AssertionError(f"not scored: {session}")
