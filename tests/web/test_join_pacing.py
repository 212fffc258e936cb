"""Human pacing through a real server: a reply is revealed word by word over several frames
(the turn stored before its reveal ends), an answer during a reveal shows the rest at once,
the page shows a typing indicator while the interviewer thinks, and a reload opens the
conversation at the current question."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from playwright.async_api import Page, expect
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer, eventually
from tests.web.conftest import Site, running_site
from tests.web.test_join import ANSWERS, new_session, next_of, transcript_of, ws_url

from vivavoce.config import Settings
from vivavoce.interviewer.reveal import MIN_FRAME_SECONDS
from vivavoce.runtime import Database

WORDS_PER_SECOND = 20.0  # paced, but quick enough for a test: two words a frame
REPLY_MS = 20_000  # a long reply takes seconds to reveal, even at this pace
WORDS_PER_FRAME = round(MIN_FRAME_SECONDS * WORDS_PER_SECOND)


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(
        settings, database, smtp, interviewer_reveal_words_per_second=WORDS_PER_SECOND
    ) as running:
        yield running


async def reply_frames(socket: Any) -> list[dict[str, Any]]:
    """The frames of one AI reply: from `ai_status` thinking to its stored `turn`."""
    frames: list[dict[str, Any]] = []
    while not (frames and frames[-1]["type"] == "turn" and frames[-1]["speaker"] == "ai"):
        frames.append(json.loads(await socket.recv()))
    start = max(i for i, f in enumerate(frames) if f["type"] == "ai_status")
    return frames[start:]


def assert_revealed(frames: list[dict[str, Any]]) -> None:
    """Thinking, then whole words a frame at a time that add up to the stored turn, then it."""
    assert frames[0] == {"type": "ai_status", "state": "thinking"}
    deltas = [f["text"] for f in frames[1:-1]]
    assert {f["type"] for f in frames[1:-1]} == {"ai_delta"}
    text = frames[-1]["text"]
    assert "".join(deltas).strip() == text
    assert all(0 < len(d.split()) <= WORDS_PER_FRAME for d in deltas)
    assert len(deltas) == -(-len(text.split()) // WORDS_PER_FRAME)  # never dumped at once


async def test_a_reply_is_revealed_over_several_frames_and_stored(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await new_session(api, tenant)
    async with websockets.connect(ws_url(session["join_url"])) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        greeting = await reply_frames(socket)
        assert_revealed(greeting)
        await socket.send(json.dumps({"type": "answer", "text": ANSWERS[0]}))
        assert (await next_of(socket, "turn"))["speaker"] == "participant"
        question = await reply_frames(socket)
        assert_revealed(question)
    stored = await transcript_of(api, tenant, session["id"])
    assert [t["text"] for t in stored] == [
        greeting[-1]["text"],
        ANSWERS[0],
        question[-1]["text"],
    ]


async def test_the_turn_is_stored_before_its_reveal_ends_and_an_answer_hurries_it(
    settings: Settings, database: Database, smtp: SmtpServer, tenant: Tenant
) -> None:
    # a word a second: the greeting's reveal outlasts everything this test does
    async with (
        running_site(settings, database, smtp, interviewer_reveal_words_per_second=1.0) as slow,
        httpx.AsyncClient(base_url=slow.url, timeout=10) as api,
    ):
        session = await new_session(api, tenant)
        async with websockets.connect(ws_url(session["join_url"])) as socket:
            await socket.send(json.dumps({"type": "consent"}))
            first = await next_of(socket, "ai_delta")
            stored = await eventually(lambda: _ai_turn(api, tenant, session["id"]))
            assert stored["text"].startswith(first["text"].strip())
            await socket.send(json.dumps({"type": "answer", "text": ANSWERS[0]}))
            frames: list[dict[str, Any]] = []
            while not frames or frames[-1]["type"] != "turn":
                frames.append(json.loads(await socket.recv()))
            # the rest of the greeting at once (not a word a frame), its turn, and only then
            # the answer's turn
            deltas = [f["text"] for f in frames[:-1]]
            assert {f["type"] for f in frames[:-1]} == {"ai_delta"}
            assert (first["text"] + "".join(deltas)).strip() == stored["text"]
            assert len(deltas) < len(stored["text"].split()) - 1
            assert frames[-1] == {
                "type": "turn",
                "index": 0,
                "speaker": "ai",
                "text": stored["text"],
            }
            answered = await next_of(socket, "turn")
            assert answered["speaker"] == "participant" and answered["index"] == 1


async def _ai_turn(api: httpx.AsyncClient, tenant: Tenant, session_id: str) -> Any:
    turns = await transcript_of(api, tenant, session_id)
    return turns[0] if turns else None


WATCH_TYPING = """() => {
  const typing = document.getElementById("typing");
  window.typingSeen = [];
  new MutationObserver(() => {
    const words = document.querySelectorAll("li.turn-ai .turn-text");
    const shownText = words.length ? words[words.length - 1].textContent : "";
    const last = window.typingSeen[window.typingSeen.length - 1];
    if (!last || last.hidden !== typing.hidden) {
      window.typingSeen.push({ hidden: typing.hidden, text: shownText });
    }
  }).observe(typing, { attributes: true, attributeFilter: ["hidden"] });
}"""


async def test_a_typing_indicator_shows_while_the_interviewer_thinks(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page
) -> None:
    session = await new_session(api, tenant)
    page = js_page
    await page.goto(session["join_url"])
    indicator = page.get_by_role("status").filter(has_text="The interviewer is typing")
    await expect(indicator).to_be_hidden()
    await page.evaluate(WATCH_TYPING)
    await page.get_by_role("button", name="I understand, start the interview").click()
    await expect(page.locator("li.turn-ai[data-index]")).to_have_count(1, timeout=REPLY_MS)
    await page.get_by_label("Your answer").fill(ANSWERS[0])
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("li.turn-ai[data-index]")).to_have_count(2, timeout=REPLY_MS)
    await expect(indicator).to_be_hidden()
    seen = await page.evaluate("window.typingSeen")
    # twice shown while nothing of the reply was on the page, and hidden as its words came
    assert [s["hidden"] for s in seen] == [False, True, False, True], seen
    assert seen[0]["text"] == "" and seen[1]["text"] != ""
    typing = page.locator("#typing")
    assert await typing.get_attribute("role") == "status"
    assert await typing.get_attribute("aria-live") == "polite"


CURRENT_IN_VIEW = """() => {
  const pane = document.getElementById("conversation");
  const asked = pane.querySelectorAll("li.turn-ai");
  const current = asked[asked.length - 1].getBoundingClientRect();
  const box = pane.getBoundingClientRect();
  return {
    scrolled: pane.scrollTop,
    overflows: pane.scrollHeight > pane.clientHeight,
    inView: current.top >= box.top - 1 && current.top < box.bottom,
  };
}"""


async def test_a_reload_opens_the_conversation_at_the_current_question(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page
) -> None:
    session = await new_session(api, tenant)
    page = js_page
    await page.set_viewport_size({"width": 800, "height": 500})  # a pane of 300 px
    await page.goto(session["join_url"])
    await page.get_by_role("button", name="I understand, start the interview").click()
    for count, answer in enumerate(ANSWERS[:3], start=2):
        await expect(page.locator("li.turn-ai[data-index]")).to_have_count(
            count - 1, timeout=REPLY_MS
        )
        await page.get_by_label("Your answer").fill(answer)
        await page.get_by_role("button", name="Send").click()
        await expect(page.locator("li.turn-ai[data-index]")).to_have_count(count, timeout=REPLY_MS)
    shown = await page.locator("li.turn[data-index]").count()

    await page.reload()
    await expect(page.locator("li.turn[data-index]")).to_have_count(shown)
    await expect(page.get_by_label("Your answer")).to_be_focused()  # the room is live
    view = await page.evaluate(CURRENT_IN_VIEW)
    assert view["overflows"] and view["scrolled"] > 0 and view["inView"], view
