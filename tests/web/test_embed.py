"""The embeddable widget in headless Chromium (docs/embed.md): a customer's page on a second
origin (another 127.0.0.1 port) loads /embed.js from vivavoce, mounts an interview from an
embed token, and the candidate takes the whole text interview inside the iframe while the
page receives the postMessage events; a page on an origin the template does not allow is
refused by the browser (frame-ancestors); a reload needs a new token and resumes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Frame, Page, expect
from tests.conftest import Tenant
from tests.web.conftest import Site
from tests.web.embed_hosts import (
    HostSite,
    allow_embedding,
    embed_token,
    host_page,
    running_host,
)
from tests.web.test_join import ANSWERS, new_session, session_of, status_becomes, transcript_of

from vivavoce.kit.crypto import random_token


@pytest.fixture(scope="module")
def host() -> Iterator[HostSite]:
    with running_host() as running:
        yield running


@pytest.fixture(scope="module")
def stranger() -> Iterator[HostSite]:
    """A page on an origin no template allows."""
    with running_host() as running:
        yield running


async def events_of(page: Page) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = await page.evaluate("window.events")
    return events


async def event_arrives(page: Page, kind: str, count: int = 1) -> None:
    await page.wait_for_function(
        "([kind, n]) => window.events.filter((e) => e.type === kind).length >= n",
        arg=[kind, count],
    )


async def interview_frame(page: Page) -> Frame:
    await page.wait_for_function("document.querySelector('#interview iframe') !== null")
    handle = await page.query_selector("#interview iframe")
    assert handle is not None
    frame = await handle.content_frame()
    assert frame is not None
    return frame


async def answer_until_the_end(frame: Frame) -> None:
    ended = frame.get_by_role("heading", name="The interview has ended")
    for step in range(20):
        last = await frame.locator("li.turn-ai[data-index]").last.inner_text()
        if await ended.is_visible() or "interview is now complete" in last:
            break
        before = await frame.locator("li.turn-ai[data-index]").count()
        answer = ANSWERS[min(step, len(ANSWERS) - 1)] if step < 8 else "No questions, thanks."
        await frame.get_by_label("Your answer").fill(answer)
        await frame.get_by_role("button", name="Send").click()
        await frame.wait_for_function(
            "n => document.querySelectorAll('li.turn-ai[data-index]').length > n"
            " || !document.getElementById('ended').hidden",
            arg=before,
        )
    await expect(ended).to_be_visible()


async def test_a_page_on_another_origin_embeds_and_completes_an_interview(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page, host: HostSite
) -> None:
    session = await new_session(api, tenant)
    await allow_embedding(api, tenant, session, [host.origin])
    token = await embed_token(api, tenant, session["id"], host.origin)
    page = js_page
    await page.goto(host.put("/apply/1", host_page(site.url, token)))
    frame = await interview_frame(page)
    assert frame.url == f"{site.url}/embed/{token}"
    await expect(frame.get_by_text("run by an AI interviewer")).to_be_visible()
    await event_arrives(page, "ready")
    await frame.get_by_role("button", name="I understand, start the interview").click()
    await expect(frame.locator("li.turn-ai[data-index]")).to_have_count(1)
    await event_arrives(page, "started")
    await status_becomes(api, tenant, session["id"], "in_progress")

    # the host asks for the state; a message forged by the host page itself is not taken
    await page.evaluate(
        "window.postMessage({source: 'vivavoce', version: 1, type: 'completed'}, '*')"
    )
    await page.evaluate("window.widget.requestStatus()")
    await event_arrives(page, "status")
    status = [e for e in await events_of(page) if e["type"] == "status"]
    assert status[0]["state"] == "started"

    await answer_until_the_end(frame)
    await event_arrives(page, "completed")
    done = await status_becomes(api, tenant, session["id"], "completed")
    assert done["end_reason"] == "completed"
    turns = await transcript_of(api, tenant, session["id"])
    assert len(turns) == await frame.locator("li.turn[data-index]").count() >= 6

    events = await events_of(page)
    kinds = [e["type"] for e in events if e["type"] not in ("resize", "status")]
    assert kinds == ["ready", "started", "completed"], events
    assert all(e["source"] == "vivavoce" and e["version"] == 1 for e in events)
    assert all(e["session_id"] == session["id"] for e in events)
    completed = next(e for e in events if e["type"] == "completed")
    assert completed["status"] == "completed" and completed["reason"] == "completed"
    assert started_is_fresh(events)
    # every message the page got came from vivavoce, except the page's own forgery
    origins = await page.evaluate("window.origins")
    assert sorted(set(origins)) == sorted({site.url, host.origin}), origins
    assert origins.count(host.origin) == 1


def started_is_fresh(events: list[dict[str, Any]]) -> bool:
    started = [e for e in events if e["type"] == "started"]
    return len(started) == 1 and started[0]["resumed"] is False


async def test_a_reload_needs_a_new_token_and_resumes(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page, host: HostSite
) -> None:
    session = await new_session(api, tenant)
    await allow_embedding(api, tenant, session, [host.origin])
    page = js_page
    first = await embed_token(api, tenant, session["id"], host.origin)
    url = host.put("/apply/2", host_page(site.url, first))
    await page.goto(url)
    frame = await interview_frame(page)
    await frame.get_by_role("button", name="I understand, start the interview").click()
    await expect(frame.locator("li.turn-ai[data-index]")).to_have_count(1)
    await frame.get_by_label("Your answer").fill(ANSWERS[0])
    await frame.get_by_role("button", name="Send").click()
    await expect(frame.locator("li.turn-ai[data-index]")).to_have_count(2)

    await page.reload()  # the same page, the same (spent) token
    frame = await interview_frame(page)
    await expect(frame.get_by_role("heading", name="already opened")).to_be_visible()
    await event_arrives(page, "error")
    error = next(e for e in await events_of(page) if e["type"] == "error")
    assert error["reason"] == "token_used" and error["session_id"] == session["id"]

    second = await embed_token(api, tenant, session["id"], host.origin)
    host.put("/apply/2", host_page(site.url, second))  # the host's server asks again
    await page.reload()
    frame = await interview_frame(page)
    await expect(frame.locator("li.turn[data-index]")).to_have_count(3)  # no consent again
    await event_arrives(page, "started")
    started = next(e for e in await events_of(page) if e["type"] == "started")
    assert started["resumed"] is True
    assert (await session_of(api, tenant, session["id"]))["status"] == "in_progress"

    await frame.get_by_role("button", name="End interview").click()
    await frame.get_by_role("button", name="Yes, end the interview").click()
    await event_arrives(page, "failed")
    failed = next(e for e in await events_of(page) if e["type"] == "failed")
    assert failed["reason"] == "candidate_ended" and failed["status"] == "failed"


async def test_a_page_on_an_origin_not_allowed_is_refused_by_the_browser(
    site: Site,
    api: httpx.AsyncClient,
    tenant: Tenant,
    js_page: Page,
    host: HostSite,
    stranger: HostSite,
) -> None:
    session = await new_session(api, tenant)
    await allow_embedding(api, tenant, session, [host.origin])
    refused = await api.post(
        f"/api/v1/sessions/{session['id']}/embed-token",
        json={"origin": stranger.origin},
        headers=tenant.headers,
    )
    assert refused.status_code == 422 and refused.json()["code"] == "origin_not_allowed"

    # a token for the allowed origin, put in a page on another one
    token = await embed_token(api, tenant, session["id"], host.origin)
    page = js_page
    async with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refusal:
        await page.goto(stranger.put("/apply/3", host_page(site.url, token)))
    message = (await refusal.value).text
    assert f"frame-ancestors {host.origin}" in message, message
    frame = await interview_frame(page)
    assert await frame.locator("#join").count() == 0  # nothing of the interview rendered
    assert await events_of(page) == []
    assert (await session_of(api, tenant, session["id"]))["status"] == "scheduled"

    # an unknown token: a page nobody may frame, whoever embeds it
    async with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as unknown:
        await page.goto(host.put("/apply/4", host_page(site.url, random_token(32))))
    assert "frame-ancestors 'none'" in (await unknown.value).text


async def test_the_join_page_and_the_dashboard_cannot_be_framed(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page, host: HostSite
) -> None:
    session = await new_session(api, tenant)
    await allow_embedding(api, tenant, session, [host.origin])
    framing = f"""<!doctype html><meta charset="utf-8"><title>framing</title>
<iframe src={json.dumps(session["join_url"])}></iframe>"""
    page = js_page
    async with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refusal:
        await page.goto(host.put("/frame/join", framing))
    assert "frame-ancestors 'none'" in (await refusal.value).text
    dashboard = f"""<!doctype html><meta charset="utf-8"><title>framing</title>
<iframe src="{site.url}/dashboard/login"></iframe>"""
    async with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refusal:
        await page.goto(host.put("/frame/dashboard", dashboard))
    assert "frame-ancestors 'none'" in (await refusal.value).text


async def test_the_script_tag_alone_mounts_the_interview(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page, host: HostSite
) -> None:
    session = await new_session(api, tenant)
    await allow_embedding(api, tenant, session, [host.origin])
    token = await embed_token(api, tenant, session["id"], host.origin)
    declared = f"""<!doctype html><meta charset="utf-8"><title>declared</title>
<div id="interview"></div>
<script>
  window.events = [];
  document.getElementById("interview").addEventListener(
    "vivavoce:ready", (event) => window.events.push(event.detail));
</script>
<script src="{site.url}/embed.js" data-token={json.dumps(token)} data-target="#interview"></script>"""
    page = js_page
    await page.goto(host.put("/declared", declared))
    frame = await interview_frame(page)
    await expect(frame.get_by_text("run by an AI interviewer")).to_be_visible()
    await event_arrives(page, "ready")
    assert await page.get_attribute("#interview iframe", "allow") == "microphone; autoplay"
