"""Transcribing a one-way assessment's recorded answers, in a job.

A submitted recording is a participant turn marked `transcription: pending`. The job reads
the recording from the store, decodes its sound, and runs the configured recogniser on it
(the local faster-whisper by default) with the voice room's hints: the stage's role and
skills, the question the answer follows and the terms of the candidate's earlier answers.
No lock is held meanwhile; the transcript, its word confidences (`session_turns.words`, as
the voice room stores them) and the outcome are then written under the session's lock, and
the session completes if that was the last answer awaited, which enqueues its scoring. A
recogniser failure is retried by the job queue up to `MAX_TRIES` times; then, like a
recording that cannot be decoded, the turn says so and the assessment completes without it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vivavoce.assessments import media, repository
from vivavoce.assessments.service import complete_when_done
from vivavoce.config import Settings
from vivavoce.interviewer.plan import InterviewPlan
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.recognition import Heard, Word, from_stored, to_stored
from vivavoce.sessions import service as sessions
from vivavoce.sessions.transcript import MAX_TURN_CHARACTERS
from vivavoce.voice import bias, stt
from vivavoce.voice.audio import SAMPLE_RATE
from vivavoce.voice.recordings import RecordingStore

MAX_TRIES = 3
EARLIER_WORDS = 600  # as the voice room: the candidate's latest words the hints draw on
NO_SPEECH = "(no speech was heard in the recording)"
NOT_TRANSCRIBED = "(the recording could not be transcribed)"


@dataclass(frozen=True)
class Pending:
    turn_id: uuid.UUID
    session_id: uuid.UUID
    key: str
    question: str
    topic: bias.Topic
    earlier: tuple[Word, ...]  # the candidate's words in the answers before this one
    tries: int


@dataclass(frozen=True)
class Outcome:
    text: str
    words: list[dict[str, Any]] | None
    status: str  # "done", "no_speech", "failed", "unavailable"


async def transcribe_answer(
    maker: async_sessionmaker[AsyncSession],
    settings: Settings,
    store: RecordingStore,
    turn_id: uuid.UUID,
) -> None:
    """The job: idempotent (a turn already transcribed, or erased, is left alone)."""
    async with unit_of_work(maker) as db:
        pending = await _claim(db, turn_id)
    if pending is None:
        return
    outcome = await _hear(settings, store, pending)
    async with unit_of_work(maker) as db:
        await _store(db, pending, outcome, settings, utcnow())


async def _claim(db: AsyncSession, turn_id: uuid.UUID) -> Pending | None:
    """The pending turn, its try counted (so a recogniser that keeps failing gives up)."""
    turn = await repository.turn(db, turn_id)
    if turn is None or turn.meta.get("transcription") != "pending":
        return None
    recorded = turn.meta.get("media") or {}
    tries = int(turn.meta.get("tries") or 0) + 1
    turn.meta = {**turn.meta, "tries": tries}
    progress = await repository.get(db, turn.session_id)
    plan = InterviewPlan.from_dict(progress.plan) if progress is not None else None
    topic = bias.Topic(role=plan.role, skills=plan.skills) if plan else bias.Topic()
    question = await repository.turn_text(db, turn.session_id, turn.index - 1)
    stored = await repository.earlier_words(db, turn.session_id, turn.index)
    earlier = tuple(word for words in stored for word in from_stored(words))[-EARLIER_WORDS:]
    return Pending(
        turn.id, turn.session_id, str(recorded.get("key")), question, topic, earlier, tries
    )


async def _hear(settings: Settings, store: RecordingStore, pending: Pending) -> Outcome:
    provider = stt.build(settings)
    if provider is None:
        return Outcome(NOT_TRANSCRIBED, None, "unavailable")
    stored = await store.open(pending.key)
    if stored is None:
        return Outcome(NOT_TRANSCRIBED, None, "failed")
    data = b"".join([chunk async for chunk in stored.chunks])
    try:
        decoded = await asyncio.to_thread(media.decode, data)
    except media.UnreadableMedia:
        return Outcome(NOT_TRANSCRIBED, None, "failed")
    hints = (
        bias.hints_for(pending.topic, pending.question, pending.earlier)
        if settings.stt_bias
        else None
    )
    try:
        heard: Heard = await provider.transcribe(decoded.pcm, SAMPLE_RATE, hints)
    except stt.SpeechUnavailable:
        if pending.tries < MAX_TRIES:
            raise  # the job queue tries again later
        return Outcome(NOT_TRANSCRIBED, None, "failed")
    if not heard.text.strip():
        return Outcome(NO_SPEECH, None, "no_speech")
    return Outcome(heard.text.strip()[:MAX_TURN_CHARACTERS], to_stored(heard.words), "done")


async def _store(
    db: AsyncSession, pending: Pending, outcome: Outcome, settings: Settings, now: datetime
) -> None:
    session = await repository.lock_session(db, pending.session_id)
    turn = await repository.turn(db, pending.turn_id)
    if session is None or turn is None or turn.meta.get("transcription") != "pending":
        return
    turn.text = outcome.text
    turn.words = outcome.words
    turn.meta = {**turn.meta, "transcription": outcome.status}
    await db.flush()
    progress = await repository.get(db, session.id, for_update=True)
    if progress is not None:
        links = sessions.SessionLinks(settings.base_url, settings.secret_key)
        await complete_when_done(db, session, progress, links, now)
