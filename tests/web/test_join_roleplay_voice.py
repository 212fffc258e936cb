"""A role-play in voice: headless Chromium with a fake microphone (an answer piper spoke),
the local speech-to-text hearing it, and the character's lines spoken back by the local
text-to-speech; the transcript names the character."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import Page, expect
from tests.assessments.modes import pipeline, schedule
from tests.conftest import Tenant
from tests.web.conftest import Site, unique_email
from tests.web.test_join import transcript_of
from tests.web.test_join_roleplay import roleplay_stage
from tests.web.test_join_voice import (  # noqa: F401 (the voice fixtures)
    answer_wav,
    api,
    mic_page,
    microphone_browser,
    site,
)


async def test_the_character_speaks_and_hears_a_spoken_reply(
    site: Site,  # noqa: F811
    api: httpx.AsyncClient,  # noqa: F811
    tenant: Tenant,
    mic_page: Page,  # noqa: F811
) -> None:
    world = await pipeline(api, tenant, roleplay_stage(), email=unique_email("vic"))
    session = await schedule(api, tenant, world, "support call")
    page = mic_page
    received: list[bytes] = []

    def keep_audio(payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            received.append(payload)

    def watch(socket: Any) -> None:
        socket.on("framereceived", keep_audio)

    page.on("websocket", watch)
    await page.goto(session["join_url"])
    await expect(page.locator("#roleplay-brief")).to_contain_text("Dana Whitfield")
    await expect(page.get_by_label("By speaking", exact=False)).to_be_checked()
    await page.get_by_role("button", name="I understand, start the interview").click()
    said = page.locator("li.turn-participant[data-index]").first
    await expect(said).to_contain_text("Python", timeout=60_000)
    index = int(await said.get_attribute("data-index") or -1)
    await page.wait_for_function(
        "i => [...document.querySelectorAll('li.turn-ai[data-index]')]"
        ".some(li => Number(li.dataset.index) > i)",
        arg=index,
        timeout=60_000,
    )
    assert any(frame.startswith(b"RIFF") for frame in received)  # the lines were spoken
    turns = await transcript_of(api, tenant, session["id"])
    lines = [t for t in turns if t["speaker"] == "ai"]
    assert lines[0]["text"] == roleplay_stage()["roleplay"]["opening_line"]
    assert len(lines) >= 2 and all(t["character"] == "Dana Whitfield" for t in lines[:2])
    await expect(page.locator("li.turn-ai .turn-speaker").first).to_have_text("Dana Whitfield")
