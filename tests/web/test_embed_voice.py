"""A voice interview inside the embeddable widget: a customer's page on a second origin
mounts it with /embed.js, whose iframe delegates the microphone (`allow="microphone"`);
headless Chromium's fake microphone speaks an answer (the local piper voice), the local
faster-whisper hears it and the interviewer goes on. The same iframe written without the
`allow` attribute cannot use the microphone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from tests.conftest import Tenant
from tests.web.conftest import Site
from tests.web.embed_hosts import (
    HostSite,
    allow_embedding,
    embed_token,
    host_page,
    running_host,
)
from tests.web.test_embed import event_arrives, events_of, interview_frame
from tests.web.test_join import new_session, transcript_of

# the voice test's microphone (playing its `answer_wav`), browser, page, voice site and client
from tests.web.test_join_voice import (  # noqa: F401
    answer_wav,
    api,
    mic_page,
    microphone_browser,
    site,
    words,
)


@pytest.fixture(scope="module")
def host() -> Iterator[HostSite]:
    with running_host() as running:
        yield running


async def test_a_spoken_answer_is_heard_inside_the_embedded_interview(
    site: Site,  # noqa: F811
    api: httpx.AsyncClient,  # noqa: F811
    tenant: Tenant,
    mic_page: Page,  # noqa: F811
    host: HostSite,
) -> None:
    session = await new_session(api, tenant)
    await allow_embedding(api, tenant, session, [host.origin])
    token = await embed_token(api, tenant, session["id"], host.origin)
    page = mic_page
    await page.goto(host.put("/voice/1", host_page(site.url, token)))
    allow = await page.get_attribute("#interview iframe", "allow")
    assert allow is not None and "microphone" in allow
    frame = await interview_frame(page)
    await expect(frame.get_by_label("By speaking", exact=False)).to_be_checked()
    await frame.get_by_role("button", name="Check my microphone").click()
    await expect(frame.locator("#mic-status")).to_contain_text("microphone")
    assert "not allowed" not in await frame.locator("#mic-status").inner_text()
    await frame.get_by_role("button", name="I understand, start the interview").click()
    await event_arrives(page, "started")

    said = frame.locator("li.turn-participant[data-index]").first
    await expect(said).to_contain_text("Python", timeout=60_000)
    heard = words(await said.inner_text())
    assert {"ready", "python", "five", "years"} <= heard, heard
    index = int(await said.get_attribute("data-index") or -1)
    await frame.wait_for_function(
        "i => [...document.querySelectorAll('li.turn-ai[data-index]')]"
        ".some(li => Number(li.dataset.index) > i)",
        arg=index,
        timeout=60_000,
    )
    await expect(frame.locator("#voice-bar")).to_be_visible()
    turns = await transcript_of(api, tenant, session["id"])
    spoken = [t for t in turns if t["speaker"] == "participant"]
    assert spoken and "python" in spoken[0]["text"].lower()
    kinds = [e["type"] for e in await events_of(page) if e["type"] != "resize"]
    assert kinds[:2] == ["ready", "started"], kinds

    # the host page reloads with a new token: the interview offers to go on by speaking
    again = await embed_token(api, tenant, session["id"], host.origin)
    host.put("/voice/1", host_page(site.url, again))
    await page.reload()
    frame = await interview_frame(page)
    await expect(frame.get_by_role("heading", name="Welcome back")).to_be_visible()
    await frame.get_by_role("button", name="Continue by speaking").click()
    await event_arrives(page, "started")
    started = next(e for e in await events_of(page) if e["type"] == "started")
    assert started["resumed"] is True
    await expect(frame.locator("#voice-bar")).to_be_visible()


def _bare_iframe_page(url: str) -> str:
    """The widget's iframe written by hand, without `allow="microphone"`."""
    return f"""<!doctype html><meta charset="utf-8"><title>no microphone</title>
<div id="interview"><iframe src={json.dumps(url)} style="width:100%;height:640px"></iframe></div>"""


async def test_without_the_allow_attribute_the_microphone_is_refused(
    site: Site,  # noqa: F811
    api: httpx.AsyncClient,  # noqa: F811
    tenant: Tenant,
    mic_page: Page,  # noqa: F811
    host: HostSite,
) -> None:
    session = await new_session(api, tenant)
    await allow_embedding(api, tenant, session, [host.origin])
    token = await embed_token(api, tenant, session["id"], host.origin)
    page = mic_page
    await page.goto(host.put("/voice/2", _bare_iframe_page(f"{site.url}/embed/{token}")))
    frame = await interview_frame(page)
    await frame.get_by_role("button", name="Check my microphone").click()
    await expect(frame.locator("#mic-status")).to_contain_text("not allowed")
    result: Any = await frame.evaluate(
        "navigator.mediaDevices.getUserMedia({audio: true}).then(() => 'granted', (e) => e.name)"
    )
    assert result == "NotAllowedError"
