"""The coding pane in a voice interview: headless Chromium with a fake microphone (an answer
spoken by the local piper voice, heard by the local faster-whisper), the real sandbox. The
candidate speaks, runs code in the pane beside the conversation, the run is kept, and the
interviewer's coding questions are shown in the transcript and spoken by the server voice."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from tests.conftest import Tenant
from tests.web.conftest import Site
from tests.web.test_join import ANSWERS, new_session, transcript_of
from tests.web.test_join_coding import PROBLEM, SHOTS

# the voice test's browser (its microphone plays this module's `answer_wav`), page, site, client
from tests.web.test_join_voice import api, mic_page, microphone_browser, site  # noqa: F401

from vivavoce.voice.audio import resample, to_wav
from vivavoce.voice.tts import LocalPiper

SPOKEN = "Yes, I am ready to start. I have built web services in Python for five years."
APPROACH = "Your latest run passed 1 of 2 tests."
PROBE = "In your latest run, total([1, 2, 3]) returned 0 instead of 6."


@pytest.fixture(scope="module")
def answer_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second of quiet, the spoken answer, then quiet long enough that Chromium's loop of
    the file does not speak it again while the rest of the interview is typed."""
    speech = asyncio.run(LocalPiper().synthesize(SPOKEN))
    pcm = resample(speech.pcm, speech.sample_rate, 16_000)
    silence = bytes(2 * 16_000)
    path = tmp_path_factory.mktemp("voice-coding") / "answer.wav"
    path.write_bytes(to_wav(silence + pcm + silence * 300))
    return path


async def test_a_voice_candidate_runs_code_and_hears_the_coding_questions(
    site: Site,  # noqa: F811
    api: httpx.AsyncClient,  # noqa: F811
    tenant: Tenant,
    mic_page: Page,  # noqa: F811
) -> None:
    session = await new_session(api, tenant)
    added = await api.post(
        "/api/v1/coding-problems",
        json={**PROBLEM, "evaluation_stage_id": session["evaluation_stage_id"]},
        headers=tenant.headers,
    )
    assert added.status_code == 201, added.text
    page = mic_page
    spoken: list[str] = []  # the sentences the server voice sent as audio

    def watch(socket: Any) -> None:
        socket.on("framereceived", lambda payload: keep_spoken(payload, spoken))

    page.on("websocket", watch)
    await page.goto(session["join_url"])
    await expect(page.get_by_label("By speaking", exact=False)).to_be_checked()
    await page.get_by_role("button", name="I understand, start the interview").click()
    await expect(page.locator("#voice-bar")).to_be_visible()

    pane = page.locator("#code-pane")
    await expect(pane.get_by_role("heading", name="Sum of a list")).to_be_visible()
    await expect(pane.locator(".CodeMirror")).to_be_visible()
    await page.get_by_role("button", name="Run").click()  # the starter code: wrong
    await expect(page.locator("#code-summary")).to_have_text("Run: 1/2 tests passed")
    await expect(pane.get_by_text("expected 6, got 0")).to_be_visible()

    # the fake microphone's answer is heard while the pane is open
    said = page.locator("li.turn-participant[data-index]").first
    await expect(said).to_contain_text("Python", timeout=60_000)
    await answer_until_the_coding_probe(page, spoken)
    await page.set_viewport_size({"width": 1400, "height": 1000})
    await page.screenshot(path=str(SHOTS / "coding-pane-voice.png"), full_page=True)

    shown = await page.locator("li.turn-ai[data-index]").all_inner_texts()
    approach = next(t for t in shown if "Walk me through your approach" in t)
    assert APPROACH in approach, approach
    assert any(PROBE in t for t in shown), shown
    await heard_aloud(spoken, PROBE)  # said aloud, not only shown
    assert APPROACH in spoken, spoken
    assert not any("SECRET" in t or "-4" in t for t in shown + spoken)

    runs = await api.get(
        "/api/v1/code-executions", params={"session_id": session["id"]}, headers=tenant.headers
    )
    assert [(r["mode"], r["language"], r["passed"]) for r in runs.json()["data"]] == [
        ("run", "python", 1)
    ]
    turns = await transcript_of(api, tenant, session["id"])
    assert "python" in next(t for t in turns if t["speaker"] == "participant")["text"].lower()
    assert any(t["speaker"] == "ai" and PROBE in t["text"] for t in turns)


def keep_spoken(payload: str | bytes, spoken: list[str]) -> None:
    if isinstance(payload, str):
        message = json.loads(payload)
        if message.get("type") == "ai_audio":
            spoken.append(str(message["text"]))


async def heard_aloud(spoken: list[str], sentence: str) -> None:
    for _ in range(300):
        if sentence in spoken:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never spoken: {sentence!r} (spoken: {spoken})")


async def answer_until_the_coding_probe(page: Page, spoken: list[str]) -> None:
    """Type the answers (the voice stays on) until the interviewer probes the failed test.
    A typed answer cuts off what the voice had still to say, so the turn that reports the run
    is heard out before the answer to it is typed."""
    for step in range(20):
        await page.wait_for_function(
            "() => !document.getElementById('typing') || document.getElementById('typing').hidden"
        )
        texts = await page.locator("li.turn-ai[data-index]").all_inner_texts()
        if any(PROBE in t for t in texts):
            return
        if APPROACH in texts[-1]:
            await heard_aloud(spoken, APPROACH)
        before = len(texts)
        await page.get_by_label("Your answer").fill(ANSWERS[1 + step % (len(ANSWERS) - 1)])
        await page.get_by_role("button", name="Send").click()
        await page.wait_for_function(
            "n => document.querySelectorAll('li.turn-ai[data-index]').length > n", arg=before
        )
    raise AssertionError("the interviewer never probed the failed test")
