"""An embedded practice session (docs/embed.md §6): the candidate rehearses inside the iframe
of a page on a second origin, the host page hears `completed` once, and the candidate reads
their feedback inside the same iframe, framed by that origin only; the feedback address
shows nothing while the interview is still open, and nothing for an unknown key."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Page, expect
from tests.assessments.modes import pipeline, schedule, scored
from tests.assessments.test_practice import practice_stage
from tests.conftest import Tenant
from tests.web.conftest import Site, unique_email
from tests.web.embed_hosts import HostSite, allow_embedding, embed_token, host_page, running_host
from tests.web.test_embed import answer_until_the_end, event_arrives, events_of, interview_frame

from vivavoce.kit.crypto import random_token


@pytest.fixture(scope="module")
def host() -> Iterator[HostSite]:
    with running_host() as running:
        yield running


async def embedded_practice(
    api: httpx.AsyncClient, tenant: Tenant, host: HostSite
) -> tuple[dict[str, object], str]:
    world = await pipeline(api, tenant, practice_stage(), email=unique_email("pia"))
    session = await schedule(api, tenant, world, "rehearsal")
    await allow_embedding(api, tenant, session, [host.origin])
    return session, await embed_token(api, tenant, str(session["id"]), host.origin)


async def test_an_embedded_practice_ends_on_its_feedback_in_the_iframe(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page, host: HostSite
) -> None:
    session, token = await embedded_practice(api, tenant, host)
    page = js_page
    await page.goto(host.put("/practice/1", host_page(site.url, token)))
    frame = await interview_frame(page)
    await expect(frame.get_by_text("This is a practice session")).to_be_visible()
    await frame.get_by_role("button", name="I understand, start the interview").click()
    await event_arrives(page, "started")
    await answer_until_the_end(frame)
    await event_arrives(page, "completed")

    async with page.expect_response(re.compile(r"/embed/feedback/")) as opened:
        await frame.get_by_role("link", name="See your feedback").click()
    policy = (await opened.value).headers["content-security-policy"]
    assert f"frame-ancestors {host.origin}" in policy
    frame = await interview_frame(page)
    await expect(frame.get_by_role("heading", name="Your practice feedback")).to_be_visible(
        timeout=60_000
    )  # the page reloads itself until the scorecard is written
    await expect(frame.get_by_text("nothing here is a pass or a fail")).to_be_visible()
    assert await frame.locator(".feedback-item").count() >= 1
    assert "/embed/feedback/" in frame.url and token not in frame.url

    await page.evaluate("window.widget.requestStatus()")
    await event_arrives(page, "status")
    events = await events_of(page)
    kinds = [e["type"] for e in events if e["type"] not in ("resize", "status")]
    assert kinds == ["ready", "started", "completed"], events  # the end is told once
    status = [e for e in events if e["type"] == "status"]
    assert status[-1]["state"] == "completed"
    card = await scored(api, tenant, str(session["id"]))
    assert card["passed"] is None  # a rehearsal: feedback, no verdict


async def test_the_feedback_address_shows_no_open_interview(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, host: HostSite
) -> None:
    _, token = await embedded_practice(api, tenant, host)
    opened = await api.get(f"/embed/{token}")
    assert opened.status_code == 200
    found = re.search(r'data-token="([^"]+)"', opened.text)
    assert found is not None
    room = found.group(1)
    still_open = await api.get(f"/embed/feedback/{room}")
    assert still_open.status_code == 410
    assert 'data-state="not_joinable"' in still_open.text and 'id="join"' not in still_open.text
    assert 'data-announce="no"' in still_open.text  # it tells the host page nothing new
    assert f"frame-ancestors {host.origin}" in still_open.headers["content-security-policy"]
    unknown = await api.get(f"/embed/feedback/{random_token(32)}")
    assert unknown.status_code == 404
