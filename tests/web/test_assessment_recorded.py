"""A one-way assessment answered by voice in headless Chromium: a fake microphone plays an
answer the bundled piper voice spoke, the page records it with MediaRecorder, plays it
back, retakes it, stops by itself when the answer time runs out and uploads; the server's
voice reads each question; the local recogniser transcribes the answers and the session is
scored; the recruiter's session page plays each recorded answer beside its transcript."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright, expect
from tests.assessments.modes import QUESTIONS, pipeline, schedule, scored
from tests.assessments.recorded import SPOKEN, recorded_stage, speech_pcm, stored_files
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, Site, running_site, unique_email
from tests.web.test_dashboard import add_user, sign_in

from vivavoce.assessments import playback
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.voice.audio import SAMPLE_RATE, to_wav


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("answers")


@pytest.fixture(scope="module")
def microphone_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Half a second of quiet, the answer, a second of quiet (Chromium loops the file)."""
    quiet = bytes(SAMPLE_RATE)
    path = tmp_path_factory.mktemp("mic") / "answer.wav"
    path.write_bytes(to_wav(quiet + speech_pcm(SPOKEN[1]) + quiet * 2))
    return path


@pytest.fixture(scope="module")
async def site(
    settings: Settings, database: Database, smtp: SmtpServer, recordings: Path
) -> AsyncIterator[Site]:
    async with running_site(
        settings,
        database,
        smtp,
        stt_provider="local",
        tts_provider="local",
        recordings_dir=recordings,
    ) as running:
        yield running


@pytest.fixture
async def api(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
async def microphone_browser(microphone_wav: Path) -> AsyncIterator[Browser]:
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone_wav}",
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


async def _shown_and_spoken(page: Page, question: str) -> None:
    async with page.expect_response(lambda r: "question.wav" in r.url) as spoken:
        await page.get_by_role("button", name="Show the question").click()
    assert (await spoken.value).status == 200
    await expect(page.get_by_text(question)).to_be_visible()


async def test_a_candidate_answers_by_voice_and_the_recruiter_hears_the_answers(
    site: Site,
    api: httpx.AsyncClient,
    tenant: Tenant,
    mic_page: Page,
    database: Database,
    recordings: Path,
) -> None:
    stage = recorded_stage(answer_seconds=10, retakes=1, speak_questions=True)
    world = await pipeline(api, tenant, stage, email=unique_email("vera"))
    session = await schedule(api, tenant, world, "one-way")
    page = mic_page
    violations: list[str] = []

    def keep_violation(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", keep_violation)
    await page.goto(session["join_url"])
    await expect(page.get_by_text("by recording your voice")).to_be_visible()
    await expect(page.get_by_text("shown and read aloud")).to_be_visible()
    await page.get_by_role("button", name="I understand, start the assessment").click()
    await _shown_and_spoken(page, QUESTIONS[0]["text"])
    await expect(page.get_by_role("textbox", name="Your answer")).to_be_hidden()  # audio only

    # a first try, stopped by hand, played back, then retaken
    await page.get_by_role("button", name="Record my answer").click()
    await expect(page.get_by_text("Recording…")).to_be_visible()
    await page.wait_for_timeout(2500)  # let the fake microphone speak a little
    await page.get_by_role("button", name="Stop and save").click()
    await expect(page.get_by_text("Play it back, then submit it")).to_be_visible()
    played = page.locator("#review-audio")
    await expect(played).to_be_visible()
    assert await played.evaluate(
        "a => new Promise(done => { if (a.readyState >= 1) done(true);"
        " a.onloadedmetadata = () => done(true); a.onerror = () => done(false); })"
    )
    await page.get_by_role("button", name="Redo this answer").click()

    # the last try runs until the answer time is over: it stops, uploads and stands
    await page.get_by_role("button", name="Record my answer").click()
    await expect(page.get_by_role("heading", name="Question 2 of 2")).to_be_visible(timeout=30_000)
    await _shown_and_spoken(page, QUESTIONS[1]["text"])
    await page.get_by_role("button", name="Record my answer").click()
    await expect(page.get_by_role("button", name="Submit and continue")).to_be_visible(
        timeout=30_000
    )
    await page.get_by_role("button", name="Submit and continue").click()
    await expect(page.get_by_role("heading", name="Your answers are in")).to_be_visible()

    card = await scored(api, tenant, session["id"], within=180)
    assert card["status"] == "completed" and card["score"] is not None
    turns = (
        await api.get(f"/api/v1/sessions/{session['id']}/transcript", headers=tenant.headers)
    ).json()["data"]
    answers = [t["text"] for t in turns if t["speaker"] == "participant"]
    heard = {w.strip(".,!?").lower() for text in answers for w in text.split()}
    assert len(answers) == 2 and {"manager", "risk", "options"} & heard, answers
    mine = [p for p in stored_files(recordings) if session["id"] in str(p)]
    assert len(mine) == 2  # the retaken first try is deleted
    assert violations == []

    recruiter = await (await page.context.browser.new_context()).new_page()  # type: ignore[union-attr]
    await sign_in(recruiter, site, await add_user(database, tenant, "member"))
    await recruiter.goto(f"{site.url}/dashboard/sessions/{session['id']}")
    players = recruiter.locator("li.turn-participant audio.answer-recording")
    await expect(players).to_have_count(2)
    await expect(recruiter.locator("li.turn-participant").first).to_contain_text(answers[0])
    loaded = await players.first.evaluate(
        "a => new Promise(done => { if (a.readyState >= 1) done(true);"
        " a.onloadedmetadata = () => done(true); a.onerror = () => done(false); a.load(); })"
    )
    assert loaded, "the dashboard could not load the recorded answer"
    await recruiter.context.close()


async def test_a_dropped_upload_stores_nothing_and_the_same_recording_goes_again(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, database: Database, recordings: Path
) -> None:
    stage = recorded_stage(answer_seconds=60, retakes=0)
    world = await pipeline(api, tenant, stage, email=unique_email("wim"))
    session = await schedule(api, tenant, world, "one-way")
    token = str(session["join_url"]).rsplit("/", 1)[1]
    origin = {"origin": site.url}
    started = await api.post(f"/join/{token}/assessment/start", json={}, headers=origin)
    state = started.json()["data"]
    shown = await api.post(
        f"/join/{token}/assessment/step",
        json={"action": "show", "position": 0, "attempt": 0},
        headers=origin,
    )
    assert shown.json()["data"]["phase"] == "answering"
    recording = to_wav(bytes(SAMPLE_RATE * 2))  # a second of quiet
    query = f"position={state['position']}&attempt={state['attempt']}&kind=audio"
    path = f"/join/{token}/assessment/recording?{query}"

    # the connection drops half-way through the body
    host, port = site.url.removeprefix("http://").split(":")
    _reader, writer = await asyncio.open_connection(host, int(port))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: {site.url}\r\n"
        f"Content-Type: audio/wav\r\nContent-Length: {len(recording)}\r\n\r\n"
    )
    writer.write(head.encode() + recording[: len(recording) // 2])
    await writer.drain()
    writer.close()
    await writer.wait_closed()

    now = (await api.get(f"/join/{token}/assessment")).json()["data"]
    assert (now["phase"], now["position"], now["attempt"]) == ("answering", 0, 0)
    assert not [p for p in stored_files(recordings) if session["id"] in str(p)]
    again = await api.post(path, content=recording, headers={**origin, "content-type": "audio/wav"})
    assert again.status_code == 200, again.text
    assert again.json()["data"]["position"] == 1  # no retakes: the answer stood
    assert len([p for p in stored_files(recordings) if session["id"] in str(p)]) == 1


async def test_an_answer_recorded_on_camera_is_previewed_played_back_and_kept_as_video(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, mic_page: Page, database: Database
) -> None:
    stage = recorded_stage(answer_seconds=60, retakes=1, answer_kinds=["audio", "video"])
    world = await pipeline(api, tenant, stage, email=unique_email("cam"))
    session = await schedule(api, tenant, world, "one-way")
    page = mic_page
    await page.goto(session["join_url"])
    await expect(page.get_by_text("yourself on camera or your voice")).to_be_visible()
    await page.get_by_role("button", name="I understand, start the assessment").click()
    await page.get_by_role("button", name="Show the question").click()
    async with page.expect_request(lambda r: "/assessment/recording?" in r.url) as sent:
        await page.get_by_role("button", name="Record on camera").click()
        await expect(page.locator("#camera-preview")).to_be_visible()
        await page.wait_for_timeout(2000)  # let the fake camera and microphone run a little
        await page.get_by_role("button", name="Stop and save").click()
    assert "kind=video" in (await sent.value).url
    assert (await sent.value).headers["content-type"] == "video/webm"
    played = page.locator("#review-video")
    await expect(played).to_be_visible()
    assert await played.evaluate(
        "v => new Promise(done => { if (v.readyState >= 1) done(v.videoWidth > 0);"
        " v.onloadedmetadata = () => done(v.videoWidth > 0); v.onerror = () => done(false); })"
    )
    await page.get_by_role("button", name="Submit and continue").click()
    await expect(page.get_by_role("heading", name="Question 2 of 2")).to_be_visible()
    async with unit_of_work(database.sessionmaker) as db:
        answers = await playback.recorded_answers(
            db, tenant.id, uuid.UUID(session["id"]), site.url, site.settings.secret_key, utcnow()
        )
    assert [a["kind"] for a in answers.values()] == ["video"]
