"""Recording marks: where each stretch of speech starts in a session's recording, written by
the live room as it records and read by the dashboard's player (see `voice.playback`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.kit.db import unit_of_work
from vivavoce.models import InterviewSession, RecordingMark, SessionTurn
from vivavoce.voice import playback
from vivavoce.voice.audio import SAMPLE_RATE
from vivavoce.voice.recordings import RecordingStore

BYTES_PER_MS = SAMPLE_RATE * 2 // 1000  # 16-bit mono PCM


async def recorded_bytes(store: RecordingStore, key: str) -> int:
    """How much audio the recording already holds (a reconnection appends after it)."""
    audio = await store.open(key)
    return 0 if audio is None else audio.size


async def add_mark(
    sessionmaker: Any,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    offset_bytes: int,
    speaker: str,
    now: datetime,
) -> None:
    async with unit_of_work(sessionmaker) as db:
        db.add(
            RecordingMark(
                workspace_id=workspace_id,
                session_id=session_id,
                offset_ms=offset_bytes // BYTES_PER_MS,
                speaker=speaker,
                recorded_at=now,
            )
        )


async def marks_of(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID
) -> list[playback.Mark]:
    found = await db.scalars(
        select(RecordingMark)
        .where(RecordingMark.workspace_id == workspace_id, RecordingMark.session_id == session_id)
        .order_by(RecordingMark.offset_ms)
    )
    return [playback.Mark(row.offset_ms, row.speaker, row.recorded_at) for row in found]


async def turn_spans(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID
) -> dict[int, playback.Span]:
    """Where each turn of the session plays in its recording (turn times to the microsecond:
    the API's whole seconds cannot tell a quick exchange apart)."""
    stretches = await marks_of(db, workspace_id, session_id)
    if not stretches:
        return {}
    turns = await db.execute(
        select(SessionTurn.index, SessionTurn.speaker, SessionTurn.ended_at).where(
            SessionTurn.workspace_id == workspace_id, SessionTurn.session_id == session_id
        )
    )
    times = [playback.TurnTime(index, speaker, ended) for index, speaker, ended in turns]
    return playback.turn_spans(stretches, times)


async def erase_marks(db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID) -> None:
    """With the recordings of a participant who asked to be erased."""
    theirs = select(InterviewSession.id).where(
        InterviewSession.workspace_id == workspace_id,
        InterviewSession.candidate_id == participant_id,
    )
    await db.execute(
        delete(RecordingMark).where(
            RecordingMark.workspace_id == workspace_id, RecordingMark.session_id.in_(theirs)
        )
    )
