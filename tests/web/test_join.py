"""The join page and its live channel, against a real server with its worker: a whole text
interview with the offline interviewer in headless Chromium, a reload resuming it, and the
WebSocket protocol under hostile input and a dropped connection."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from playwright.async_api import Page, expect
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.fixtures.jobs import pending_jobs
from tests.fixtures.payloads import agent_profile, participant
from tests.web.conftest import Site, running_site, unique_email

from vivavoce.config import Settings
from vivavoce.runtime import Database
from vivavoce.sessions.service import GRACE_CHECK_JOB

GRACE_SECONDS = 3

ANSWERS = [
    "Hi, yes, I'm ready to start.",
    "At my last company I led the redesign of our invoicing service. I split the billing code "
    "into a Python service backed by PostgreSQL, wrote the migration plan, and ran the "
    "dual-write period myself for three weeks. As a result, invoice generation went from 40 "
    "minutes to under 5, and we had zero billing incidents that quarter.",
    "For example, last year our checkout latency doubled after a release. I profiled the Python "
    "workers, found an N+1 query against PostgreSQL, and rewrote it as a single join with an "
    "index. Then I added a regression test and a dashboard alert, which cut p95 latency by 60 "
    "percent and nobody saw it regress again.",
    "Once a customer kept disputing invoices, so I sat with their finance lead, drew the "
    "billing flow on a whiteboard, and wrote a one-page guide. Disputes from them dropped to "
    "zero within two months, and support tickets about billing fell by half.",
]


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp, join_grace_seconds=GRACE_SECONDS) as running:
        yield running


async def _data(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def new_session(api: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    """A scheduled 10-minute screen with two questions from the bank."""
    headers = tenant.headers
    profile = await _data(
        await api.post(
            "/api/v1/agent-profiles",
            json=agent_profile(persona="You are Ava, a friendly interviewer."),
            headers=headers,
        )
    )
    template = await _data(
        await api.post(
            "/api/v1/evaluation-templates",
            json={"template_name": "Backend engineer", "use_case": "hiring"},
            headers=headers,
        )
    )
    await _data(
        await api.post(
            "/api/v1/evaluation-stages",
            json={
                "evaluation_template_id": template["id"],
                "type": "screen",
                "stage_order": 0,
                "agent_profile_id": profile["id"],
                "duration_minutes": 10,
                "questions": [
                    {
                        "text": "Tell me about a system you designed.",
                        "dimensions": ["system_design"],
                    },
                    {"text": "How do you explain technical work?", "dimensions": ["communication"]},
                ],
            },
            headers=headers,
        )
    )
    person = await _data(
        await api.post(
            "/api/v1/participants",
            json=participant(
                email=unique_email("maria"),
                name="Maria Lopez",
                external_id=None,
                evaluation_template_id=template["id"],
            ),
            headers=headers,
        )
    )
    return await _data(
        await api.post(
            "/api/v1/sessions",
            json={
                "candidate_id": person["id"],
                "evaluation_template_id": template["id"],
                "stage": "screen",
            },
            headers=headers,
        )
    )


async def session_of(api: httpx.AsyncClient, tenant: Tenant, session_id: str) -> dict[str, Any]:
    return await _data(await api.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers), 200)


async def transcript_of(
    api: httpx.AsyncClient, tenant: Tenant, session_id: str
) -> list[dict[str, Any]]:
    response = await api.get(f"/api/v1/sessions/{session_id}/transcript", headers=tenant.headers)
    assert response.status_code == 200, response.text
    turns: list[dict[str, Any]] = response.json()["data"]
    return turns


async def status_becomes(
    api: httpx.AsyncClient, tenant: Tenant, session_id: str, status: str, within: float = 20
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        session = await session_of(api, tenant, session_id)
        if session["status"] == status:
            return session
        assert asyncio.get_running_loop().time() < deadline, session
        await asyncio.sleep(0.2)


def ws_url(join_url: str) -> str:
    return join_url.replace("http://", "ws://", 1) + "/ws"


async def next_of(socket: Any, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            message: dict[str, Any] = json.loads(await socket.recv())
            if message["type"] == kind:
                return message


async def flood(socket: Any) -> None:
    """1,000 messages at once, then read until the server closes."""
    for _ in range(1000):
        await socket.send(json.dumps({"type": "typing"}))
    while True:
        await socket.recv()


async def ai_turns(page: Page) -> int:
    return await page.locator("li.turn-ai[data-index]").count()


async def test_candidate_completes_a_text_interview(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page
) -> None:
    session = await new_session(api, tenant)
    page = js_page
    await page.goto(session["join_url"])
    await expect(page.get_by_text("run by an AI interviewer")).to_be_visible()
    await page.get_by_role("button", name="I understand, start the interview").click()
    await expect(page.locator("li.turn-ai[data-index]")).to_have_count(1)
    await expect(page.get_by_role("timer")).to_contain_text("Time left: 9:5")
    await status_becomes(api, tenant, session["id"], "in_progress")

    ended = page.get_by_role("heading", name="The interview has ended")
    for step in range(20):
        last = await page.locator("li.turn-ai[data-index]").last.inner_text()
        if await ended.is_visible() or "interview is now complete" in last:
            break
        before = await ai_turns(page)
        answer = ANSWERS[min(step, len(ANSWERS) - 1)] if step < 8 else "No questions, thanks."
        await page.get_by_label("Your answer").fill(answer)
        await page.get_by_role("button", name="Send").click()
        await page.wait_for_function(
            "n => document.querySelectorAll('li.turn-ai[data-index]').length > n"
            " || !document.getElementById('ended').hidden",
            arg=before,
        )
    await expect(ended).to_be_visible()
    await expect(page.get_by_text("Your interview is complete")).to_be_visible()

    done = await status_becomes(api, tenant, session["id"], "completed")
    assert done["end_reason"] == "completed"
    turns = await transcript_of(api, tenant, session["id"])
    shown = await page.locator("li.turn[data-index]").count()
    assert len(turns) == shown >= 6
    assert [t["index"] for t in turns] == list(range(len(turns)))
    assert turns[0]["speaker"] == "ai" and "AI interviewer" in turns[0]["text"]
    assert turns[-1]["speaker"] == "ai" and "interview is now complete" in turns[-1]["text"]
    assert "Tell me about a system you designed." in " ".join(t["text"] for t in turns)

    await page.goto(session["join_url"])  # a finished interview: a page saying so
    await expect(page.get_by_role("heading", name="Your interview is complete")).to_be_visible()


async def test_reload_resumes_at_the_same_question(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page
) -> None:
    session = await new_session(api, tenant)
    page = js_page
    await page.goto(session["join_url"])
    await page.get_by_role("button", name="I understand, start the interview").click()
    await expect(page.locator("li.turn-ai[data-index]")).to_have_count(1)
    await page.get_by_label("Your answer").fill(ANSWERS[0])
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("li.turn-ai[data-index]")).to_have_count(2)
    question = await page.locator("li.turn-ai[data-index]").last.inner_text()
    assert "Tell me about a system you designed." in question

    await page.reload()
    await expect(page.locator("li.turn[data-index]")).to_have_count(3)  # no consent again
    assert await page.locator("li.turn-ai[data-index]").last.inner_text() == question
    assert (await session_of(api, tenant, session["id"]))["status"] == "in_progress"

    await page.get_by_label("Your answer").fill(ANSWERS[1])
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("li.turn[data-index]")).to_have_count(5)
    assert len(await transcript_of(api, tenant, session["id"])) == 5

    await page.get_by_role("button", name="End interview").click()
    await page.get_by_role("button", name="Yes, end the interview").click()
    await expect(page.get_by_text("You ended the interview")).to_be_visible()
    ended = await status_becomes(api, tenant, session["id"], "failed")
    assert ended["end_reason"] == "candidate_ended"


async def test_join_page_for_unknown_and_cancelled_interviews(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await api.get("/join/not-a-real-token")
    assert response.status_code == 404
    assert "Interview not found" in response.text
    session = await new_session(api, tenant)
    cancelled = await api.post(f"/api/v1/sessions/{session['id']}/cancel", headers=tenant.headers)
    assert cancelled.status_code == 200, cancelled.text
    response = await api.get(session["join_url"].removeprefix(site.url))
    assert response.status_code == 410
    assert "This interview was cancelled" in response.text
    async with websockets.connect(ws_url(session["join_url"])) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        status = await next_of(socket, "status")
        assert status["state"] == "ended"
        assert status["status"] == "cancelled"


async def test_hostile_messages_get_errors_never_a_crash(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await new_session(api, tenant)
    other = await new_session(api, tenant)
    url = ws_url(session["join_url"])
    async with websockets.connect(url, max_size=None) as socket:
        await socket.send("not json")
        assert (await next_of(socket, "error"))["code"] == "invalid_json"
        await socket.send(json.dumps([1, 2]))
        assert (await next_of(socket, "error"))["code"] == "invalid_message"
        await socket.send(json.dumps({"type": "launch_missiles"}))
        assert (await next_of(socket, "error"))["code"] == "unknown_type"
        await socket.send(json.dumps({"type": "answer", "text": "too early"}))
        assert (await next_of(socket, "error"))["code"] == "not_started"
        await socket.send(json.dumps({"type": "consent"}))
        greeting = await next_of(socket, "turn")
        assert greeting["speaker"] == "ai"
        await socket.send(json.dumps({"type": "answer", "text": 42}))
        assert (await next_of(socket, "error"))["code"] == "empty_answer"
        await socket.send(json.dumps({"type": "end"}))
        status = await next_of(socket, "status")
        assert status == {
            "type": "status",
            "state": "ended",
            "status": "failed",
            "reason": "candidate_ended",
        }
    async with websockets.connect(url) as socket:  # after the end: refused
        await socket.send(json.dumps({"type": "consent"}))
        assert (await next_of(socket, "status"))["status"] == "failed"
        await socket.send(json.dumps({"type": "answer", "text": "hello?"}))
        with pytest.raises(websockets.ConnectionClosed):
            await next_of(socket, "turn")

    async with websockets.connect(url, max_size=None) as socket:  # 1 MB: closed
        await socket.send("x" * 1_000_000)
        assert (await next_of(socket, "error"))["code"] == "message_too_large"
        with pytest.raises(websockets.ConnectionClosed):
            await socket.recv()
        assert socket.close_code == 1009

    async with websockets.connect(ws_url(other["join_url"])) as socket:  # a flood: closed
        with pytest.raises(websockets.ConnectionClosed):
            await flood(socket)
        assert socket.close_code == 1008
    assert (await session_of(api, tenant, other["id"]))["status"] == "scheduled"
    assert await transcript_of(api, tenant, other["id"]) == []
    assert (await api.get("/healthz")).status_code == 200


async def test_second_connection_takes_over(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await new_session(api, tenant)
    url = ws_url(session["join_url"])
    async with websockets.connect(url) as first:
        await first.send(json.dumps({"type": "consent"}))
        await next_of(first, "turn")
        async with websockets.connect(url) as second:
            await second.send(json.dumps({"type": "resume"}))
            assert (await next_of(second, "turn"))["index"] == 0  # the history
            told = await next_of(first, "status")
            assert told["state"] == "taken_over"
            await second.send(json.dumps({"type": "answer", "text": ANSWERS[0]}))
            assert (await next_of(second, "turn"))["speaker"] == "participant"
            assert (await next_of(second, "turn"))["speaker"] == "ai"
    assert len(await transcript_of(api, tenant, session["id"])) == 3


async def test_dropped_connection_fails_after_the_grace_window(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    session = await new_session(api, tenant)
    sid = session["id"]
    url = ws_url(session["join_url"])
    async with websockets.connect(url) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        await next_of(socket, "turn")
    await asyncio.sleep(GRACE_SECONDS / 3)  # back within the window: resumes
    async with websockets.connect(url) as socket:
        await socket.send(json.dumps({"type": "resume"}))
        assert (await next_of(socket, "status"))["state"] == "live"
        checks = {j.id for j in await pending_jobs(database, GRACE_CHECK_JOB, session_id=sid)}
        assert checks
        await asyncio.sleep(GRACE_SECONDS * 1.5)  # connected: heartbeats keep it alive
        # the checks waiting then have run and, finding the candidate there, set the next one
        later = await pending_jobs(database, GRACE_CHECK_JOB, session_id=sid)
        assert any(job.id > max(checks) for job in later), later
        assert not [job for job in later if job.id in checks and job.status == "queued"], later
    assert (await session_of(api, tenant, session["id"]))["status"] == "in_progress"
    failed = await status_becomes(api, tenant, session["id"], "failed", within=30)
    assert failed["end_reason"] == "disconnected"
    assert len(await transcript_of(api, tenant, session["id"])) == 1  # partial transcript kept
