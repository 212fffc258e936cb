"""The live room through a real server: text the database cannot store (a lone surrogate, a
NUL character) and malformed signals in an answer get an error frame, the socket stays open
and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from playwright.async_api import Page, expect
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.web.conftest import Site, running_site
from tests.web.test_join import ANSWERS, new_session, next_of, transcript_of, ws_url
from tests.web.test_join_signals import PASTE

from vivavoce.config import Settings
from vivavoce.runtime import Database


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


async def test_unstorable_answers_get_an_error_frame_and_store_nothing(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await new_session(api, tenant)
    async with websockets.connect(ws_url(session["join_url"])) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        await next_of(socket, "status")
        # JSON's \ud800 escape: a lone surrogate, valid JSON that no UTF-8 database takes
        for raw in (
            '{"type": "answer", "text": "I think \\ud800 so"}',
            '{"type": "answer", "text": "nul \\u0000 here"}',
            json.dumps({"type": "answer", "text": "ok", "signals": [{"kind": "nope"}]}),
            json.dumps({"type": "answer", "text": "ok", "signals": "paste"}),
        ):
            await socket.send(raw)
            refused = await next_of(socket, "error")
            assert refused["code"] in ("invalid_text", "invalid_signals"), refused
        assert len(await transcript_of(api, tenant, session["id"])) == 1  # the greeting only
        await socket.send(json.dumps({"type": "answer", "text": ANSWERS[0]}))  # still open
        assert (await next_of(socket, "turn"))["speaker"] == "participant"
        assert (await next_of(socket, "turn"))["speaker"] == "ai"  # stored before it is sent
    assert len(await transcript_of(api, tenant, session["id"])) == 3


async def test_a_paste_in_the_last_answer_is_kept_with_that_answer(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page
) -> None:
    session = await new_session(api, tenant)
    page = js_page
    await page.goto(session["join_url"])
    await page.get_by_role("button", name="I understand, start the interview").click()
    ended = page.get_by_role("heading", name="The interview has ended")
    for step in range(20):
        await expect(page.locator("li.turn-ai[data-index]")).not_to_have_count(0)
        last = await page.locator("li.turn-ai[data-index]").last.inner_text()
        if await ended.is_visible() or "interview is now complete" in last:
            break
        before = await page.locator("li.turn-ai[data-index]").count()
        # every answer is pasted, so the last one (which ends the interview) is too
        await page.evaluate(PASTE, ANSWERS[min(step, len(ANSWERS) - 1)] if step < 8 else "No.")
        await page.get_by_role("button", name="Send").click()
        await page.wait_for_function(
            "n => document.querySelectorAll('li.turn-ai[data-index]').length > n"
            " || !document.getElementById('ended').hidden",
            arg=before,
        )
    await expect(ended).to_be_visible()
    turns = await transcript_of(api, tenant, session["id"])
    last_answer = max(t["index"] for t in turns if t["speaker"] == "participant")
    report = await api.get(f"/api/v1/sessions/{session['id']}/signals", headers=tenant.headers)
    pastes = [e for e in report.json()["data"]["timeline"] if e["kind"] == "paste"]
    assert last_answer in {e["turn_index"] for e in pastes}, pastes
    assert report.json()["data"]["summary"]["superhuman_typing"] == 0
