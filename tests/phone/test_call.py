"""Phone interviews end to end against a real SIP peer: Debian's baresip on 127.0.0.1 is the
candidate's phone, playing recorded answers (spoken by piper) into the call when the
interviewer has finished speaking, while vivavoce's SIP endpoint (PJSIP) runs the interview
with the local speech-to-text and voice, the worker scores it, and the recording is kept
behind the session's signed link. Both directions: vivavoce calls the candidate, and the
candidate dials in with the session's PIN."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.phone.baresip import Baresip, line_wav
from tests.phone.sessions import data, phone_session
from tests.web.conftest import Site, running_site
from tests.web.test_join import session_of, status_becomes, transcript_of
from vivavoce.config import Settings
from vivavoce.phone.conversation import PhoneConversation
from vivavoce.phone.runner import PhoneService
from vivavoce.runtime import Database
from vivavoce.voice.audio import SAMPLE_RATE, resample, rms
from vivavoce.voice.tts import LocalPiper

NUMBER = "+447700900123"
SAYINGS = {
    "yes": "Yes.",
    "ready": "Yes, I am ready to begin.",
    "answer": "I have been a nurse on a busy surgical ward for six years. I plan the shift, "
    "hand over patients to the night team and train new staff on the medication checks.",
    "more": "For example, last winter I led the ward through a norovirus outbreak: I set up "
    "isolation bays, changed the rota and kept the families informed every day.",
    "no": "No, I have no questions. Thank you very much.",
}
QUIET_SECONDS = 1.5  # the interviewer has finished speaking: nothing queued for this long


@pytest.fixture(scope="module")
def spoken() -> dict[str, bytes]:
    """Each saying as the candidate's phone plays it: a WAV at the line's rate, the words
    and then a long silence (baresip hangs up when its audio source runs out)."""
    voice = LocalPiper()
    said: dict[str, bytes] = {}
    for name, text in SAYINGS.items():
        speech = asyncio.run(voice.synthesize(text))
        said[name] = line_wav([0.3, resample(speech.pcm, speech.sample_rate, SAMPLE_RATE), 300.0])
    said["silence"] = line_wav([300.0])
    return said


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
        sip_listen_address="127.0.0.1",
        sip_listen_port=0,
        sip_rtp_port_min=31_000,
        sip_rtp_port_range=50,
        # no quiet hours: these calls are placed now, whatever the hour in the candidate's
        # zone when the suite runs (tests/phone/test_retries.py covers quiet hours)
        sip_quiet_hours_start=0,
        sip_quiet_hours_end=0,
    ) as running:
        yield running


@pytest.fixture
async def api(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site.url, timeout=30) as client:
        yield client


@pytest.fixture
async def phone(site: Site, database: Database) -> AsyncIterator[PhoneService]:
    service = PhoneService(site.settings, database.sessionmaker)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def conversation_of(phone: PhoneService, within: float = 30) -> PhoneConversation:
    deadline = asyncio.get_running_loop().time() + within
    while not phone.conversations:
        assert asyncio.get_running_loop().time() < deadline, "no call was answered"
        await asyncio.sleep(0.1)
    return phone.conversations[-1]


async def quiet(line: Any, within: float = 90) -> None:
    """Until vivavoce has said something and then nothing for QUIET_SECONDS."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    spoke, last_sound = False, loop.time()
    while loop.time() - last_sound < QUIET_SECONDS or not spoke:
        assert loop.time() < deadline, "vivavoce never finished speaking"
        if line.outgoing.pending:
            spoke, last_sound = True, loop.time()
        await asyncio.sleep(0.05)


async def ai_turns(
    api: httpx.AsyncClient, tenant: Tenant, session_id: str, more_than: int
) -> list[str]:
    deadline = asyncio.get_running_loop().time() + 90
    while True:
        said = [
            t["text"] for t in await transcript_of(api, tenant, session_id) if t["speaker"] == "ai"
        ]
        if len(said) > more_than:
            return said
        assert asyncio.get_running_loop().time() < deadline, said
        await asyncio.sleep(0.2)


def reply_to(question: str, answered: int) -> str:
    if "questions for me" in question or "anything you'd like to add" in question:
        return "no"
    if "ready" in question and "let me know" in question:
        return "ready"
    return "answer" if answered == 0 else "more"


async def interview(
    api: httpx.AsyncClient,
    tenant: Tenant,
    session_id: str,
    conversation: PhoneConversation,
    candidate: Baresip,
    spoken: dict[str, bytes],
) -> None:
    """Answer each of the interviewer's turns once it has been said, until it closes."""
    seen, answered = 0, 0
    for _ in range(12):
        said = await ai_turns(api, tenant, session_id, seen)
        seen = len(said)
        if "interview is now complete" in said[-1]:
            return
        await quiet(conversation.line)
        reply = reply_to(said[-1], answered)
        answered += reply in ("answer", "more")
        candidate.say(spoken[reply])
    raise AssertionError("the interview did not close")


@pytest.mark.one_database
async def test_vivavoce_calls_the_candidate_who_consents_by_voice_and_is_interviewed(
    site: Site,
    api: httpx.AsyncClient,
    tenant: Tenant,
    phone: PhoneService,
    spoken: dict[str, bytes],
    tmp_path: Path,
) -> None:
    session = await phone_session(api, tenant)
    candidate = Baresip(tmp_path / "baresip", spoken["silence"], user=NUMBER)
    try:
        phone.settings = site.settings.model_copy(update={"sip_dial_domain": candidate.uri})
        url = f"/api/v1/sessions/{session['id']}"
        setup = await data(
            await api.put(
                f"{url}/phone", json={"phone": "+44 7700 900123"}, headers=tenant.headers
            ),
            200,
        )
        assert setup["phone"] == NUMBER and len(setup["dial_in_pin"]) == 8
        await data(await api.post(f"{url}/call", headers=tenant.headers), 202)
        await phone.place_due()
        conversation = await conversation_of(phone)
        await quiet(conversation.line)  # the notice
        assert rms(candidate.heard()[-2 * 8000 * 8 :]) > 300  # the phone heard it
        candidate.say(spoken["yes"])
        await status_becomes(api, tenant, session["id"], "in_progress", within=90)
        await interview(api, tenant, session["id"], conversation, candidate, spoken)
        done = await status_becomes(api, tenant, session["id"], "completed", within=60)
        assert done["end_reason"] == "completed"

        turns = await transcript_of(api, tenant, session["id"])
        answers = " ".join(t["text"].lower() for t in turns if t["speaker"] == "participant")
        assert "nurse" in answers and "ward" in answers and "medication" in answers, turns
        assert "Tell me about your work on a ward." in " ".join(t["text"] for t in turns)
        for _ in range(200):
            scored = await session_of(api, tenant, session["id"])
            if scored["score"] is not None:
                break
            await asyncio.sleep(0.3)
        assert scored["score"] is not None and scored["scored_at"], scored
        recording = await api.get(scored["recording_url"])
        assert recording.status_code == 200
        assert len(recording.content) > 20 * 2 * SAMPLE_RATE  # both sides, tens of seconds
        events = await api.get(
            "/api/v1/events", params={"event": "session.call_attempted"}, headers=tenant.headers
        )
        attempts = [e["data"] for e in events.json()["data"] if e["session_id"] == session["id"]]
        assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, "answered")]
        print(
            "phone end of speech -> first AI audio (s):",
            [round(r, 2) for r in phone.timing.replies],
        )
    finally:
        candidate.stop()


@pytest.mark.one_database
async def test_the_candidate_dials_in_keys_the_pin_and_consents_by_keypress(
    site: Site,
    api: httpx.AsyncClient,
    tenant: Tenant,
    phone: PhoneService,
    spoken: dict[str, bytes],
    tmp_path: Path,
) -> None:
    session = await phone_session(api, tenant)
    url = f"/api/v1/sessions/{session['id']}"
    setup = await data(
        await api.put(f"{url}/phone", json={"phone": NUMBER}, headers=tenant.headers), 200
    )
    candidate = Baresip(
        tmp_path / "baresip",
        spoken["silence"],
        dial=f"sip:vivavoce@127.0.0.1:{phone.port}",
    )
    try:
        line = await line_of(phone)
        await quiet(line)  # the PIN prompt
        candidate.press(setup["dial_in_pin"] + "#")
        conversation = await conversation_of(phone)
        await quiet(conversation.line)  # the notice
        candidate.press("1")
        await status_becomes(api, tenant, session["id"], "in_progress", within=90)
        said = await ai_turns(api, tenant, session["id"], 0)
        assert "AI interviewer" in said[0]
        await quiet(conversation.line)
        candidate.say(spoken["ready"])
        await ai_turns(api, tenant, session["id"], 1)
        turns = await transcript_of(api, tenant, session["id"])
        answers = [t["text"].lower() for t in turns if t["speaker"] == "participant"]
        assert answers and "ready" in answers[0], turns
    finally:
        candidate.stop()


async def line_of(phone: PhoneService, within: float = 30) -> Any:
    """The line of the call that dialled in (before it reached a session)."""
    deadline = asyncio.get_running_loop().time() + within
    while not phone.dialled:
        assert asyncio.get_running_loop().time() < deadline, "vivavoce did not answer"
        await asyncio.sleep(0.1)
    return phone.dialled[-1]


async def test_a_call_that_rings_out_is_tried_again_later_and_the_session_stays_scheduled(
    site: Site,
    api: httpx.AsyncClient,
    tenant: Tenant,
    phone: PhoneService,
    spoken: dict[str, bytes],
    tmp_path: Path,
) -> None:
    session = await phone_session(api, tenant)
    candidate = Baresip(tmp_path / "baresip", spoken["silence"], user=NUMBER, answers=False)
    try:
        phone.settings = site.settings.model_copy(
            update={"sip_dial_domain": candidate.uri, "sip_ring_seconds": 3.0}
        )
        url = f"/api/v1/sessions/{session['id']}"
        await data(
            await api.put(f"{url}/phone", json={"phone": NUMBER}, headers=tenant.headers), 200
        )
        await data(await api.post(f"{url}/call", headers=tenant.headers), 202)
        await phone.place_due()
        for task in list(phone.calls):
            await task
        assert "Incoming call" in candidate.output()  # it rang
        events = await api.get(
            "/api/v1/events", params={"event": "session.call_attempted"}, headers=tenant.headers
        )
        attempts = [e["data"] for e in events.json()["data"] if e["session_id"] == session["id"]]
        assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, "no_answer")]
        assert attempts[0]["next_attempt_at"] is not None
        assert (await session_of(api, tenant, session["id"]))["status"] == "scheduled"
        assert not phone.conversations
    finally:
        candidate.stop()
