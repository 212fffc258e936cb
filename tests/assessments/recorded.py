"""Recorded answers for the one-way assessment tests: real speech made by the bundled piper
voice (as eval/voice/speech.py makes it), as WAV or as WebM/Opus (the file Chromium's
MediaRecorder makes), and the app that takes them (local recogniser and voice)."""

from __future__ import annotations

import asyncio
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import av
import httpx
from sqlalchemy import update

from tests.assessments.modes import ORIGIN, QUESTIONS
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.models import AssessmentProgress
from vivavoce.runtime import Database
from vivavoce.voice.audio import SAMPLE_RATE, resample, to_wav
from vivavoce.voice.tts import LocalPiper

SPOKEN = [
    "I designed our payment retry service with a PostgreSQL outbox and idempotency keys, "
    "so when the card processor failed we lost no payments.",
    "I explain the trade-off to my manager with cost and risk, and I give two options "
    "with their numbers.",
]


@cache
def speech_pcm(text: str) -> bytes:
    """Made on a thread of its own, so that async tests may ask for it too."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        said = thread.submit(asyncio.run, LocalPiper().synthesize(text)).result()
    return resample(said.pcm, said.sample_rate, SAMPLE_RATE)


def spoken_wav(text: str, *, padding_seconds: float = 0.5) -> bytes:
    quiet = bytes(2 * int(SAMPLE_RATE * padding_seconds))
    return to_wav(quiet + speech_pcm(text) + quiet)


def quiet_wav(seconds: float) -> bytes:
    return to_wav(bytes(2 * int(SAMPLE_RATE * seconds)))


def spoken_webm(text: str) -> bytes:
    """The speech as WebM/Opus at 48 kHz, encoded by PyAV's libopus."""
    pcm = resample(speech_pcm(text), SAMPLE_RATE, 48_000)
    out = io.BytesIO()
    with av.open(out, mode="w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48_000)
        stream.layout = "mono"
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
        frame.planes[0].update(pcm)
        frame.sample_rate = 48_000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def spoken_video_webm(text: str) -> bytes:
    """A camera answer: the speech as Opus and a small black VP8 picture, in WebM."""
    pcm = resample(speech_pcm(text), SAMPLE_RATE, 48_000)
    seconds = len(pcm) / 2 / 48_000
    out = io.BytesIO()
    with av.open(out, mode="w", format="webm") as container:
        picture = container.add_stream("libvpx", rate=5)
        picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
        sound = container.add_stream("libopus", rate=48_000)
        sound.layout = "mono"
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
        frame.planes[0].update(pcm)
        frame.sample_rate = 48_000
        for packet in [*sound.encode(frame), *sound.encode(None)]:
            container.mux(packet)
        black = av.VideoFrame(64, 48, "yuv420p")
        for plane in black.planes:
            plane.update(bytes(plane.buffer_size))
        for index in range(int(seconds * 5)):
            black.pts = index
            container.mux(picture.encode(black))
        container.mux(picture.encode(None))
    return out.getvalue()


def recording_settings(settings: Settings, recordings: Path) -> Settings:
    return settings.model_copy(
        update={"stt_provider": "local", "tts_provider": "local", "recordings_dir": recordings}
    )


def recorded_stage(**settings: Any) -> dict[str, Any]:
    return {
        "type": "one-way",
        "stage_type": "async_assessment",
        "questions": QUESTIONS,
        "assessment": {
            "prep_seconds": 0,
            "answer_seconds": 60,
            "retakes": 1,
            "answer_kinds": ["audio"],
            **settings,
        },
    }


async def upload(
    client: httpx.AsyncClient,
    token: str,
    state: dict[str, Any],
    data: bytes,
    *,
    kind: str = "audio",
    content_type: str = "audio/wav",
) -> httpx.Response:
    query = f"position={state['position']}&attempt={state['attempt']}&kind={kind}"
    return await client.post(
        f"/join/{token}/assessment/recording?{query}",
        content=data,
        headers={**ORIGIN, "content-type": content_type},
    )


def stored_files(recordings: Path) -> list[Path]:
    return sorted(recordings.rglob("*.media"))


async def spoke_for(database: Database, session_id: str, seconds: float) -> None:
    """As if the answer time had begun `seconds` ago: a recording that long was made since
    (the server refuses one longer than the time since the question was open)."""
    async with unit_of_work(database.sessionmaker) as db:
        await db.execute(
            update(AssessmentProgress)
            .where(AssessmentProgress.session_id == uuid.UUID(session_id))
            .values(phase_started_at=utcnow() - timedelta(seconds=seconds))
        )
