"""The recording plays on the session page: the page's policy lets it load, the server
answers byte ranges so the player can seek, the turn being played is highlighted and a
turn's "play from here" seeks to it (headless Chromium, real server, real recording)."""

from __future__ import annotations

import asyncio
import math
import struct
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from tests.conftest import make_tenant
from tests.emails.smtp import SmtpServer
from tests.scoring.pipeline import pipeline, say, schedule
from tests.web.conftest import Site, running_site
from tests.web.test_dashboard import add_user, shot, sign_in

from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.sessions import recording_links as links
from vivavoce.sessions import service as sessions
from vivavoce.voice import marks, service
from vivavoce.voice.recordings import recording_key

SECONDS_PER_TURN = 2
SPOKEN = (
    ("ai", "Hello, I'm Ada. Tell me about a system you built."),
    ("participant", "I built an ingestion service on PostgreSQL."),
    ("ai", "What happens when a consumer crashes halfway through a batch?"),
    ("participant", "The batch is retried from the last committed offset."),
)


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(viewport={"width": 1366, "height": 900})
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        await opened.close()


def tone(hertz: float, seconds: float) -> bytes:
    """A quiet sine wave as 16 kHz 16-bit mono PCM."""
    count = int(16_000 * seconds)
    samples = (int(6000 * math.sin(2 * math.pi * hertz * n / 16_000)) for n in range(count))
    return struct.pack(f"<{count}h", *samples)


async def recorded_interview(site: Site, database: Database) -> tuple[str, str]:
    """A finished voice interview with a typed turn in the middle: (admin email, session id).
    Audio is recorded and marked the way the live room does it."""
    tenant = await make_tenant(database)
    email = await add_user(database, tenant, "admin")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await pipeline(client, tenant, ("none",))
        session = await schedule(client, tenant, world, "s0")
    links = sessions.SessionLinks(site.settings.base_url, site.settings.secret_key)
    session_id = uuid.UUID(session["id"])
    async with unit_of_work(database.sessionmaker) as db:
        await sessions.join(db, session["join_url"].rsplit("/", 1)[1], links, utcnow())
    store = service.store_for(site.settings)
    key = recording_key(tenant.id, session_id)
    offset = 0

    async def record(speaker: str, hertz: float) -> None:
        nonlocal offset
        pcm = tone(hertz, SECONDS_PER_TURN)
        await store.append(key, pcm)
        await service.attach_recording(database.sessionmaker, session_id, key)
        await marks.add_mark(
            database.sessionmaker, tenant.id, session_id, offset, speaker, utcnow()
        )
        offset += len(pcm)

    for number, (speaker, text) in enumerate(SPOKEN):
        if speaker == "participant":
            await record(speaker, 330 + number * 40)  # recorded as the utterance ends
            await say(database, session_id, speaker, text)
        else:
            await say(database, session_id, speaker, text)
            await record(speaker, 220 + number * 40)  # spoken once worded
        if number == 1:
            await say(database, session_id, "ai", "Could you type the name of the queue?")
            await say(database, session_id, "participant", "pgqueuer")  # typed: no audio
    async with unit_of_work(database.sessionmaker) as db:
        await sessions.complete(db, tenant.id, session_id, links, utcnow())
    return email, str(session_id)


# WCAG contrast of the breadcrumb links and every badge against what they sit on
CONTRAST = """(() => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const under = (node) => {
    for (let at = node; at; at = at.parentElement) {
      const c = getComputedStyle(at).backgroundColor;
      if (!c.startsWith("rgba(0, 0, 0, 0)")) return c;
    }
    return "rgb(255, 255, 255)";
  };
  const ratio = (node) => {
    const a = lum(getComputedStyle(node).color), b = lum(under(node));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  return [...document.querySelectorAll(".crumbs a, .crumbs, .badge, .hint")].map((n) => [n.className + " " + n.textContent.trim().slice(0, 20), ratio(n)]);
})()"""


async def position(page: Page) -> float:
    seconds: float = await page.evaluate("document.getElementById('recording').currentTime")
    return seconds


async def played_past(page: Page, seconds: float) -> None:
    """Waits until the player's position passes `seconds` (the page's policy forbids
    `wait_for_function`'s eval, so the test asks the page again)."""
    for _ in range(300):
        if await position(page) > seconds:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the recording never played past {seconds} s: at {await position(page)}")


async def test_the_recording_plays_follows_the_transcript_and_seeks(
    site: Site, database: Database, context: BrowserContext
) -> None:
    email, session_id = await recorded_interview(site, database)
    page = await context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Refused" in message.text else None,
    )
    await sign_in(page, site, email)
    opened = await page.goto(f"{site.url}/dashboard/sessions/{session_id}")
    assert opened is not None
    policy = opened.headers["content-security-policy"]
    assert f"media-src 'self' {site.url}" in policy

    # turns 0, 1 spoken; 2, 3 typed (no audio); 4, 5 spoken
    starts = {0: "0.0", 1: "2.0", 4: "4.0", 5: "6.0"}
    for index, start in starts.items():
        await expect(page.locator(f"#turn-{index}")).to_have_attribute("data-audio-start", start)
    for typed in (2, 3):
        assert await page.locator(f"#turn-{typed}").get_attribute("data-audio-start") is None

    # a quarter of the speed: a loaded machine may take a second or more between the test's
    # looks at the page, and turn 4 has only two seconds of audio
    await page.evaluate(
        "(a => { a.defaultPlaybackRate = 0.25; a.playbackRate = 0.25; })"
        "(document.getElementById('recording'))"
    )
    await page.locator("#turn-4 button.seek").click()  # ▶ 0:04
    await played_past(page, 4.3)  # it plays: time moves on from the seek
    await expect(page.locator("#turn-4")).to_have_class("turn turn-ai playing")
    await expect(page.locator("#turn-4")).to_have_attribute("aria-current", "true")
    await played_past(page, 6.1)
    await expect(page.locator("#turn-5")).to_have_class("turn turn-participant playing")
    await expect(page.locator(".turn.playing")).to_have_count(1)
    await shot(page, "session-playback")

    await page.locator("#turn-1 p").click()  # a click on the turn itself seeks too
    await played_past(page, 2.0)
    assert await position(page) < 4
    await expect(page.locator("#turn-1")).to_have_class("turn turn-participant playing")
    duration = await page.evaluate("document.getElementById('recording').duration")
    assert duration == pytest.approx(4 * SECONDS_PER_TURN, abs=0.05)
    assert refused == []

    # the panes scroll from the keyboard, and the small grey text reads at AA contrast
    await expect(page.locator("#transcript")).to_have_attribute("tabindex", "0")
    await expect(page.get_by_role("list", name="Transcript")).to_be_visible()
    ratios = await page.evaluate(CONTRAST)
    assert ratios and all(ratio >= 4.5 for _what, ratio in ratios), ratios


async def test_the_recording_answers_byte_ranges(site: Site, database: Database) -> None:
    _email, session_id = await recorded_interview(site, database)
    url = links.recording_url(
        site.settings.base_url, site.settings.secret_key, uuid.UUID(session_id), utcnow()
    )
    async with httpx.AsyncClient(timeout=10) as client:
        whole = await client.get(url)
        assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
        total = len(whole.content)
        assert total == 44 + 4 * SECONDS_PER_TURN * 32_000

        async def ranged(value: str) -> httpx.Response:
            return await client.get(url, headers={"Range": value})

        header = await ranged("bytes=0-43")
        assert header.status_code == 206 and header.content == whole.content[:44]
        assert header.headers["content-range"] == f"bytes 0-43/{total}"
        middle = await ranged("bytes=100000-200000")  # spans several stored chunks
        assert middle.status_code == 206 and middle.content == whole.content[100000:200001]
        assert middle.headers["content-length"] == "100001"
        rest = await ranged("bytes=128044-")
        assert rest.content == whole.content[128044:]
        tail = await ranged("bytes=-10")
        assert tail.content == whole.content[-10:]
        assert tail.headers["content-range"] == f"bytes {total - 10}-{total - 1}/{total}"
        past = await ranged(f"bytes={total}-")
        assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{total}"
        several = await ranged("bytes=0-1,4-5")  # not served as ranges: the whole file
        assert several.status_code == 200 and several.content == whole.content
        forged = await client.get(
            url.replace("signature=", "signature=x"), headers={"Range": "bytes=0-1"}
        )
        assert forged.status_code == 403
