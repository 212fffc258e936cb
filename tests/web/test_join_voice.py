"""Voice interviews end to end: headless Chromium with a fake microphone playing an answer
that the local text-to-speech (piper) spoke, the local speech-to-text (faster-whisper)
hearing it, the recording behind a signed link; and the fallbacks to typing."""

from __future__ import annotations

import asyncio
import io
import math
import threading
import uuid
import wave
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy import select
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, Site, running_site
from tests.web.test_join import new_session, session_of, transcript_of

from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.models import SessionTurn
from vivavoce.runtime import Database
from vivavoce.sessions import recording_links as links
from vivavoce.voice import marks, stt, tts
from vivavoce.voice.audio import from_wav, resample, rms, to_wav
from vivavoce.voice.tts import LocalPiper

SPOKEN = "Yes, I am ready to start. I have built web services in Python for five years."


@pytest.fixture(scope="module")
def answer_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The candidate's answer, spoken by piper: a second of quiet, the words, then a long
    quiet tail (Chromium loops the file; the tail keeps the answer from repeating soon)."""
    speech = asyncio.run(LocalPiper().synthesize(SPOKEN))
    pcm = resample(speech.pcm, speech.sample_rate, 16_000)
    silence = bytes(2 * 16_000)
    path = tmp_path_factory.mktemp("voice") / "answer.wav"
    path.write_bytes(to_wav(silence + pcm + silence * 40))
    return path


@pytest.fixture(scope="module")
async def microphone_browser(answer_wav: Path) -> AsyncIterator[Browser]:
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={answer_wav}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def mic_page(microphone_browser: Browser) -> AsyncIterator[Page]:
    context = await microphone_browser.new_context()
    context.set_default_timeout(30_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


@pytest.fixture(scope="module")
async def site(
    settings: Settings,
    database: Database,
    smtp: SmtpServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Site]:
    async with running_site(
        settings,
        database,
        smtp,
        stt_provider="local",
        tts_provider="local",
        voice_silence_ms=1200,
        recordings_dir=tmp_path_factory.mktemp("recordings"),
    ) as running:
        yield running


@pytest.fixture
async def api(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site.url, timeout=30) as client:
        yield client


def words(text: str) -> set[str]:
    return {w.strip(".,!?").lower() for w in text.split()}


async def test_a_spoken_answer_is_heard_and_the_interview_goes_on(
    site: Site,
    api: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    mic_page: Page,
    database: Database,
) -> None:
    session = await new_session(api, tenant)
    page = mic_page
    received: list[bytes] = []
    sent: list[str | bytes] = []

    def got(payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            received.append(payload)

    def gave(payload: str | bytes) -> None:
        sent.append(payload)

    def watch(socket: Any) -> None:  # playwright listeners: Python functions (not built-ins)
        socket.on("framereceived", got)
        socket.on("framesent", gave)

    page.on("websocket", watch)
    await page.goto(session["join_url"])
    await expect(page.get_by_label("By speaking", exact=False)).to_be_checked()
    await page.get_by_role("button", name="Check my microphone").click()
    await expect(page.locator("#mic-status")).to_contain_text("microphone")
    await page.get_by_role("button", name="I understand, start the interview").click()

    # the fake microphone speaks; the transcript shows the words, then the interviewer goes on
    said = page.locator("li.turn-participant[data-index]").first
    await expect(said).to_contain_text("Python", timeout=60_000)
    heard = words(await said.inner_text())
    assert {"ready", "python", "five", "years"} <= heard, heard
    index = int(await said.get_attribute("data-index") or -1)
    await page.wait_for_function(
        "i => [...document.querySelectorAll('li.turn-ai[data-index]')]"
        ".some(li => Number(li.dataset.index) > i)",
        arg=index,
        timeout=60_000,
    )
    await expect(page.locator("#voice-bar")).to_be_visible()
    # the interviewer spoke (WAV frames from the local piper voice) and the microphone streamed
    assert any(frame.startswith(b"RIFF") for frame in received)
    assert sum(len(f) for f in sent if isinstance(f, bytes)) > 5 * 32_000
    # the answer began while the interviewer was still speaking: its audio stopped (barge-in)
    assert any('"barge_in"' in f for f in sent if isinstance(f, str))

    turns = await transcript_of(api, tenant, session["id"])
    spoken = [t for t in turns if t["speaker"] == "participant"]
    assert spoken and "python" in spoken[0]["text"].lower()
    assert any(t["speaker"] == "ai" and t["index"] > spoken[0]["index"] for t in turns)
    # stored with it: every word the recogniser heard, with its confidence
    heard_words = await stored_words(database, session["id"], spoken[0]["index"])
    assert heard_words, "a spoken turn keeps the recogniser's words"
    said_words = spoken[0]["text"].split()
    assert [w["word"] for w in heard_words] == said_words, (heard_words, said_words)
    assert all(0.0 <= w["p"] <= 1.0 for w in heard_words)

    # the room marked where each stretch starts, so the dashboard's player follows the turns
    # (read before the recording: a mark is stored after its audio, and the interview goes on)
    async with database.sessionmaker() as db:
        stretches = await marks.marks_of(db, tenant.id, uuid.UUID(session["id"]))
        spans = await marks.turn_spans(db, tenant.id, uuid.UUID(session["id"]))

    # the recording: both sides' audio behind a signed link that needs no API key
    current = await session_of(api, tenant, session["id"])
    url = current["recording_url"]
    assert url and "signature=" in url
    async with httpx.AsyncClient(timeout=30) as plain:
        response = await plain.get(url)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "audio/wav"
        pcm, rate = from_wav(response.content)
        assert rate == 16_000
        seconds = len(pcm) / (2 * rate)
        assert seconds > 4, seconds  # the interviewer's sentences and the spoken answer
        assert rms(pcm) > 300  # sound, not silence

        # tampered: another signature, another session, a later expiry → refused
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        forged = dict(query, signature=query["signature"][:-2] + "AA")
        assert (await plain.get(base, params=forged)).status_code == 403
        later = dict(query, expires=str(int(query["expires"]) + 3600))
        assert (await plain.get(base, params=later)).status_code == 403
        other = await new_session(api, tenant)
        elsewhere = base.replace(session["id"], other["id"])
        assert (await plain.get(elsewhere, params=query)).status_code == 403
        # expired: correctly signed an hour and a second ago
        past = int(utcnow().timestamp()) - 1
        stale = links.signature(site.settings.secret_key, uuid.UUID(session["id"]), past)
        expired = await plain.get(base, params={"expires": past, "signature": stale})
        assert expired.status_code == 403
        # another workspace cannot see the session, so never gets a link
        foreign = await api.get(f"/api/v1/sessions/{session['id']}", headers=other_tenant.headers)
        assert foreign.status_code == 404

    assert {m.speaker for m in stretches} == {"ai", "participant"}
    assert all(m.offset_ms < seconds * 1000 for m in stretches)
    assert spoken[0]["index"] in spans  # the spoken answer has its place in the audio
    assert any(t["speaker"] == "ai" and t["index"] in spans for t in turns)


async def stored_words(database: Database, session_id: str, index: int) -> Any:
    async with database.sessionmaker() as db:
        return await db.scalar(
            select(SessionTurn.words).where(
                SessionTurn.session_id == uuid.UUID(session_id), SessionTurn.index == index
            )
        )


class _FailingTranscriber(BaseHTTPRequestHandler):
    """An OpenAI-compatible speech-to-text server that is down."""

    calls = 0

    def do_POST(self) -> None:
        type(self).calls += 1
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = b'{"error": {"message": "overloaded", "type": "server_error"}}'
        self.send_response(503)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def failing_stt() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FailingTranscriber)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


async def test_when_speech_to_text_fails_the_interview_continues_in_text(
    settings: Settings,
    database: Database,
    smtp: SmtpServer,
    tenant: Tenant,
    mic_page: Page,
    failing_stt: str,
    tmp_path: Path,
) -> None:
    async with (
        running_site(
            settings,
            database,
            smtp,
            stt_provider="openai",
            stt_base_url=failing_stt,
            tts_provider="browser",
            voice_max_retries=1,
            voice_silence_ms=1000,
            recordings_dir=tmp_path,
        ) as failing,
        httpx.AsyncClient(base_url=failing.url, timeout=30) as api,
    ):
        session = await new_session(api, tenant)
        page = mic_page
        await page.goto(session["join_url"])
        await page.get_by_role("button", name="I understand, start the interview").click()
        await expect(page.get_by_text("couldn't turn your speech into text")).to_be_visible(
            timeout=60_000
        )
        assert _FailingTranscriber.calls == 2  # the first try and one retry
        await expect(page.locator("#voice-state")).to_contain_text("Voice input is off")
        before = await page.locator("li.turn-ai[data-index]").count()
        await page.get_by_label("Your answer").fill("Yes, I'm ready to start.")
        await page.get_by_role("button", name="Send").click()
        await expect(page.locator("li.turn-participant[data-index]")).to_have_count(1)
        await page.wait_for_function(
            "n => document.querySelectorAll('li.turn-ai[data-index]').length > n", arg=before
        )
        current = await session_of(api, tenant, session["id"])
        assert current["status"] == "in_progress"


async def test_without_a_microphone_typing_is_offered(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page
) -> None:
    session = await new_session(api, tenant)
    page = js_page  # Chromium without a (fake) microphone
    await page.goto(session["join_url"])
    await page.get_by_role("button", name="I understand, start the interview").click()
    await expect(page.locator("#mic-status")).to_contain_text(
        "You can take the interview by typing instead"
    )
    await expect(page.get_by_label("By typing", exact=False)).to_be_checked()
    await expect(page.get_by_label("By speaking", exact=False)).to_be_disabled()
    await page.get_by_role("button", name="I understand, start the interview").click()
    await expect(page.locator("li.turn-ai[data-index]")).to_have_count(1)
    await expect(page.get_by_label("Your answer")).to_be_visible()
    await expect(page.locator("#voice-bar")).to_be_hidden()


async def test_the_speech_models_warm_up_when_the_join_page_loads(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Not after consent: loading the page starts loading (and running once) both models,
    each on its own worker thread, so the greeting's voice and the first answer find them
    ready."""
    stt._warm_whisper.cache_clear()
    tts._warm_piper.cache_clear()
    session = await new_session(api, tenant)
    page = await api.get(session["join_url"])
    assert page.status_code == 200 and "By speaking" in page.text
    # each model has one worker thread, first in first out: once a job submitted after the
    # page load has run, the warm-up the page load queued has run before it
    await asyncio.wrap_future(stt._executor.submit(lambda: None))
    await asyncio.wrap_future(tts._executor.submit(lambda: None))
    assert stt._warm_whisper.cache_info().currsize == 1
    assert tts._warm_piper.cache_info().currsize == 1


def test_recording_wav_helpers_round_trip() -> None:
    pcm = bytes(
        b
        for i in range(1600)
        for b in int(8000 * math.sin(i / 5)).to_bytes(2, "little", signed=True)
    )
    back, rate = from_wav(to_wav(pcm, 22_050))
    assert (back, rate) == (pcm, 22_050)
    with wave.open(io.BytesIO(to_wav(resample(pcm, 22_050))), "rb") as reader:
        assert reader.getframerate() == 16_000
        assert abs(reader.getnframes() - 1600 * 16_000 // 22_050) <= 1
