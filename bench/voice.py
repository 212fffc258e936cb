"""`make bench`: voice latency with the local providers (faster-whisper tiny.en, piper).

The time from the end of the candidate's speech to the first byte of the interviewer's
audio, measured as a candidate feels it, through the real stack: a vivavoce server in this
process (uvicorn on 127.0.0.1, a throwaway database as in bench/api.py), and a WebSocket
client on `/join/{token}/ws?mode=voice` streaming answers spoken by piper in 100 ms frames at
real-time pace, followed by silence. Split into:

- end of turn: from the end of speech to the candidate's turn coming back — the short pause
  (VIVAVOCE_VOICE_QUICK_SILENCE_MS), the speculative transcription, the judgement that the
  words are a finished answer, the answer stored (endpointing and STT overlap, so they are
  one figure); with speculation off (BENCH_QUICK_SILENCE_MS=0) it is the full silence
  threshold plus transcription;
- interviewer: to the first words of the next AI turn;
- TTS: from the first words to the first byte of audio (the first clause or sentence
  completed and synthesised).

Beside it, in the same run and so under the same load, the floor: the model work alone for
the same answers, with no server, socket or database — the short pause
(VIVAVOCE_VOICE_QUICK_SILENCE_MS, the least the patient end-of-turn rules wait), one
transcription of the answer with word confidences, one synthesis of the reply's first
clause, one after the other. What the server adds is the difference.

    .venv/bin/python bench/voice.py      # BENCH_VOICE_ANSWERS (default 10), BENCH_SILENCE_MS,
                                         # BENCH_QUICK_SILENCE_MS, BENCH_PROVIDERS

BENCH_PROVIDERS=instant measures the server's own overhead, as with hosted providers: the
speech endpoints are OpenAI-compatible ones on 127.0.0.1 that answer at once (every answer
is heard as one finished sentence, every sentence spoken as 0.1 s of audio), so all that is
left beyond the short pause is vivavoce's work — endpointing, the HTTP calls, storing the
answer, the interviewer (offline), the socket. Its floor is the pause alone (less the quiet
that ends piper's audio, where the pause has already begun).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import websockets
from machine import machine  # bench/ is on sys.path when run as a script

from api import AGENT_PROFILE, free_port, throwaway_database
from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import open_database
from vivavoce.voice.audio import resample, to_wav
from vivavoce.voice.tts import LocalPiper
from vivavoce.workspaces import service as workspaces

ANSWERS = int(os.environ.get("BENCH_VOICE_ANSWERS", "10"))
SILENCE_MS = int(os.environ.get("BENCH_SILENCE_MS", "1500"))
QUICK_SILENCE_MS = int(os.environ.get("BENCH_QUICK_SILENCE_MS", "600"))
FRAME = 3200  # 100 ms of 16 kHz 16-bit audio
TARGET_P50 = 1.0
TARGET_P95 = 1.6
SAMPLE_TIMEOUT = 60.0
DEBUG = bool(os.environ.get("BENCH_DEBUG"))
INSTANT = os.environ.get("BENCH_PROVIDERS", "local") == "instant"
SENTENCES = [
    "Yes, I am ready to start.",
    "I designed the billing service at my last company, using Python and PostgreSQL.",
    "We split the monolith into three services and cut invoice time from forty minutes to five.",
    "I would explain it with a diagram first, then walk through one real request end to end.",
    "I measured latency before and after, and the ninety fifth percentile dropped by half.",
    "No questions from me, thank you.",
]


class InstantSpeech(BaseHTTPRequestHandler):
    """OpenAI-compatible speech endpoints that answer at once (BENCH_PROVIDERS=instant)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path.endswith("/audio/transcriptions"):
            body, kind = json.dumps({"text": "Thank you, that is my answer."}).encode(), "json"
        else:
            body, kind = to_wav(bytes(4800), 24_000), "wav"
        self.send_response(200)
        self.send_header("content-type", f"application/{kind}" if kind == "json" else "audio/wav")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


@contextmanager
def instant_speech() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), InstantSpeech)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


class Quiet(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        return None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def new_session(api: httpx.AsyncClient, headers: dict[str, str]) -> str:
    async def data(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        body: dict[str, Any] = response.json()["data"]
        return body

    profile = await data(
        await api.post("/api/v1/agent-profiles", json=AGENT_PROFILE, headers=headers)
    )
    template = await data(
        await api.post(
            "/api/v1/evaluation-templates",
            json={"template_name": "Backend engineer", "use_case": "hiring"},
            headers=headers,
        )
    )
    await data(
        await api.post(
            "/api/v1/evaluation-stages",
            json={
                "evaluation_template_id": template["id"],
                "type": "screen",
                "stage_order": 0,
                "agent_profile_id": profile["id"],
                "duration_minutes": 30,
                "questions": [
                    {
                        "text": "Tell me about a system you designed.",
                        "dimensions": ["system_design"],
                    },
                    {"text": "How do you explain technical work?", "dimensions": ["communication"]},
                ],
            },
            headers=headers,
        )
    )
    person = await data(
        await api.post(
            "/api/v1/participants",
            json={
                "name": "Bench Candidate",
                "email": f"bench-{time.time_ns()}@example.com",
                "evaluation_template_id": template["id"],
            },
            headers=headers,
        )
    )
    session = await data(
        await api.post(
            "/api/v1/sessions",
            json={
                "candidate_id": person["id"],
                "evaluation_template_id": template["id"],
                "stage": "screen",
            },
            headers=headers,
        )
    )
    return str(session["join_url"])


async def interview(
    join_url: str,
    answers: list[bytes],
    samples: list[dict[str, float]],
    firsts: list[tuple[bytes, str]],
) -> None:
    """Answer through whole interviews; per sample, also the answer's audio and the text of
    the reply's first audio (for the floor)."""
    url = join_url.replace("http://", "ws://", 1) + "/ws?mode=voice"
    async with websockets.connect(url, max_size=None) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        inbox: asyncio.Queue[tuple[float, Any]] = asyncio.Queue()

        async def read() -> None:
            async for message in socket:
                now = time.perf_counter()
                await inbox.put(
                    (now, message if isinstance(message, bytes) else json.loads(message))
                )

        reader = asyncio.create_task(read())
        try:
            if not await settle(inbox):
                return
            for pcm in answers:
                if len(samples) >= ANSWERS:
                    return
                heard = await answer_once(socket, inbox, reader, pcm)
                if heard is None:
                    return
                sample, first_text = heard
                firsts.append((pcm, first_text))
                samples.append(sample)
                if not await settle(inbox):
                    return
        finally:
            reader.cancel()


async def settle(inbox: asyncio.Queue[tuple[float, Any]]) -> bool:
    """Drain until the interviewer has finished a turn and gone quiet; False once the
    interview ended."""
    saw_turn = False
    while True:
        try:
            _at, message = await asyncio.wait_for(inbox.get(), 3.0 if saw_turn else 60)
        except TimeoutError:
            return True
        if DEBUG:
            print(
                "settle",
                message if isinstance(message, dict) else len(message),
                file=sys.stderr,
            )
        if isinstance(message, dict):
            if message.get("type") == "status" and message.get("state") == "ended":
                return False
            if message.get("type") == "turn" and message.get("speaker") == "ai":
                saw_turn = True


async def answer_once(
    socket: Any,
    inbox: asyncio.Queue[tuple[float, Any]],
    reader: asyncio.Task[None],
    pcm: bytes,
) -> tuple[dict[str, float], str] | None:
    """Speak `pcm` at real-time pace, then silence until the reply's first audio: the
    sample's times and the text of that first audio (None: the interview ended)."""
    # like a browser whose candidate speaks up: the previous reply stops
    await socket.send(json.dumps({"type": "barge_in"}))
    start = time.perf_counter()
    frames = [pcm[i : i + FRAME] for i in range(0, len(pcm), FRAME)]
    for n, frame in enumerate(frames):  # real-time pace
        await asyncio.sleep(max(0.0, start + n * 0.1 - time.perf_counter()))
        try:
            await asyncio.wait_for(socket.send(frame), 10)
        except TimeoutError:
            for task in asyncio.all_tasks():
                task.print_stack(limit=8, file=sys.stderr)
            raise
    spoken_end = time.perf_counter()
    quiet = bytes(FRAME)
    times: dict[str, float] = {}
    reply = ""
    announced = False
    first_text = ""
    tick = 0
    while "audio" not in times:
        if "turn" not in times:  # keep the silence flowing until the turn ends
            await asyncio.sleep(max(0.0, spoken_end + tick * 0.1 - time.perf_counter()))
            await socket.send(quiet)
            tick += 1
        if time.perf_counter() - spoken_end > SAMPLE_TIMEOUT or reader.done():
            raise RuntimeError(f"no reply to an answer within {SAMPLE_TIMEOUT:.0f} s")
        try:
            at, message = await asyncio.wait_for(inbox.get(), 0.05 if "turn" not in times else 30)
        except TimeoutError:
            continue
        if DEBUG:
            shown = message if isinstance(message, dict) else len(message)
            print(f"{at - spoken_end:6.2f} {shown}", file=sys.stderr)
        if isinstance(message, bytes):
            if announced:  # the first sentence of the reply to this answer
                times["audio"] = at
        elif message.get("type") == "turn" and message.get("speaker") == "participant":
            times["turn"] = at
        elif message.get("type") == "ai_delta" and "turn" in times:
            times.setdefault("words", at)
            reply += str(message.get("text", ""))
        elif message.get("type") == "ai_audio":
            announced = "turn" in times and str(message.get("text")) in reply
            first_text = str(message.get("text")) if announced else first_text
        elif message.get("type") == "status" and message.get("state") == "ended":
            return None
    sample = {
        "total": times["audio"] - spoken_end,
        "end of turn": times["turn"] - spoken_end,
        "interviewer": times.get("words", times["audio"]) - times["turn"],
        "tts": times["audio"] - times.get("words", times["audio"]),
    }
    return sample, first_text


def trailing_quiet(pcm: bytes) -> float:
    """Seconds of near-silence at the end of a spoken answer (piper ends its audio with a
    little): the pause has already begun there, so the floor's pause is that much shorter."""
    values = memoryview(pcm).cast("h")
    end = len(values)
    while end > 0 and abs(values[end - 1]) < 300:
        end -= 1
    return (len(values) - end) / 16_000


def floor(firsts: list[tuple[bytes, str]]) -> list[float]:
    """The least each sample could take (see the module docstring), measured after the
    server has stopped: nothing else of ours is running."""
    from vivavoce.voice.stt import transcribe_locally
    from vivavoce.voice.tts import _synthesize_locally

    times = []
    for pcm, first_text in firsts:
        pause = max(0.0, QUICK_SILENCE_MS / 1000 - trailing_quiet(pcm))
        start = time.perf_counter()
        if not INSTANT:
            transcribe_locally(pcm, 16_000, with_words=True)
            _synthesize_locally(first_text or "Thanks,")
        times.append(pause + time.perf_counter() - start)
    return times


async def run(
    url: str, workdir: Path, speech_url: str | None
) -> tuple[list[dict[str, float]], list[float]]:
    port = free_port()
    endpoints: dict[str, Any] = {"stt_provider": "local", "tts_provider": "local"}
    if speech_url:
        endpoints = {
            "stt_provider": "openai",
            "tts_provider": "openai",
            "stt_base_url": speech_url,
            "tts_base_url": speech_url,
        }
    settings = Settings(
        env="test",
        database_url=url,
        data_dir=workdir,
        public_url=f"http://127.0.0.1:{port}",
        voice_silence_ms=SILENCE_MS,
        voice_quick_silence_ms=QUICK_SILENCE_MS,
        rate_limit_per_minute=100_000,
        rate_limit_burst=10_000,
        **endpoints,
    )
    database = await open_database(settings)
    async with unit_of_work(database.sessionmaker) as db:
        created = await workspaces.bootstrap_if_empty(db)
    assert created is not None
    headers = {"x-api-key": created.api_key}
    app = create_app(settings, database=database, with_worker=True, bootstrap=False)
    server = Quiet(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    piper = LocalPiper()
    spoken = []
    for sentence in SENTENCES:
        speech = await piper.synthesize(sentence)
        spoken.append(resample(speech.pcm, speech.sample_rate))
    samples: list[dict[str, float]] = []
    firsts: list[tuple[bytes, str]] = []
    try:
        async with httpx.AsyncClient(base_url=settings.base_url, timeout=30) as api:
            while len(samples) < ANSWERS:
                join_url = await new_session(api, headers)
                before = len(samples)
                await interview(join_url, spoken, samples, firsts)
                if len(samples) == before:
                    raise RuntimeError("an interview produced no measurements")
    finally:
        server.should_exit = True
        await task
        await database.close()
    return samples[:ANSWERS], floor(firsts[:ANSWERS])


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="vivavoce-bench-voice-") as scratch:
        workdir = Path(scratch)
        with throwaway_database(workdir) as (url, _env), instant_speech() as speech_url:
            samples, floors = asyncio.run(run(url, workdir, speech_url if INSTANT else None))
    providers = "instant endpoints" if INSTANT else "local providers"
    print(
        f"\nvoice latency, {providers}, {len(samples)} answers, silence {SILENCE_MS} ms, "
        f"quick silence {QUICK_SILENCE_MS} ms — {machine()}"
    )
    print(f"{'part':<14}{'p50 s':>8}{'p95 s':>8}")
    for part in ("end of turn", "interviewer", "tts", "total"):
        values = [s[part] for s in samples]
        print(f"{part:<14}{statistics.median(values):>8.2f}{percentile(values, 0.95):>8.2f}")
    print(f"{'floor':<14}{statistics.median(floors):>8.2f}{percentile(floors, 0.95):>8.2f}")
    totals = [s["total"] for s in samples]
    added = [t - f for t, f in zip(totals, floors, strict=True)]
    print(f"{'server adds':<14}{statistics.median(added):>8.2f}{percentile(added, 0.95):>8.2f}")
    p50, p95 = statistics.median(totals), percentile(totals, 0.95)
    met = p50 < TARGET_P50 and p95 < TARGET_P95
    print(
        f"end of speech to first audio byte p50 {p50:.2f} s, p95 {p95:.2f} s "
        f"(target < {TARGET_P50} s, < {TARGET_P95} s): {'met' if met else 'MISSED'}; "
        f"the floor of the same run p50 {statistics.median(floors):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
