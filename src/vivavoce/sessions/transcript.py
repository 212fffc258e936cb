"""The transcript: turns stored the moment they happen, read back, and streamed live.

Appending a turn locks the session row (so indexes never collide between processes) and
sends a NOTIFY that wakes every process streaming this session's transcript.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vivavoce.kit import pubsub
from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.db import raw_connection
from vivavoce.kit.errors import Conflict, NotFound, Unprocessable
from vivavoce.kit.ids import uuid7
from vivavoce.models import SessionTurn
from vivavoce.sessions import live_repository, repository
from vivavoce.sessions.errors import TurnIndexTaken, ensure_holder
from vivavoce.sessions.state import TERMINAL, Status

CHANNEL = "vivavoce_transcript"
MAX_TURN_CHARACTERS = 20_000
Speaker = Literal["ai", "participant"]


def turn_public(turn: SessionTurn) -> dict[str, Any]:
    return {
        "index": turn.index,
        "speaker": turn.speaker,
        "text": turn.text,
        "started_at": isoformat_z(turn.started_at),
        "ended_at": isoformat_z(turn.ended_at),
        "character": (turn.meta or {}).get("character") if turn.speaker == "ai" else None,
    }


async def append_turn(
    db: AsyncSession,
    session_id: uuid.UUID,
    speaker: Speaker,
    text: str,
    started_at: datetime,
    ended_at: datetime,
    meta: dict[str, Any] | None = None,
    *,
    holder: str | None = None,
    expected_index: int | None = None,
    words: list[dict[str, Any]] | None = None,
) -> SessionTurn:
    """Store one turn of an interview in progress and wake its live readers.

    The live room passes its connection as `holder` (the write is refused with
    `ConnectionReplaced` once another connection holds the interview) and the index it decided
    the turn for as `expected_index` (`TurnIndexTaken` when that place is already filled): of
    two writers racing for one turn, across processes, exactly one stores it. `words`: a
    spoken turn's recogniser words with their probabilities (`[{"word", "p"}, …]`)."""
    if len(text) > MAX_TURN_CHARACTERS:
        raise Unprocessable(f"a turn is at most {MAX_TURN_CHARACTERS} characters")
    connection = await raw_connection(db)  # four ORM statements were most of a turn's CPU
    session = await live_repository.lock_for_turn(connection, session_id)
    if session is None:
        raise NotFound("session")
    if session.status != Status.IN_PROGRESS.value:
        raise Conflict(
            f"the interview is {session.status}; turns can only be added while in progress",
            code="session_not_in_progress",
        )
    ensure_holder(session, holder)
    turn = SessionTurn(
        id=uuid7(),
        workspace_id=session.workspace_id,
        session_id=session_id,
        speaker=speaker,
        text=text,
        started_at=started_at,
        ended_at=ended_at,
        meta=meta or {},
        words=words,
    )
    # Stored at the next index (read after the lock, so it sees the turn of a writer this
    # one waited for) unless `expected_index` is another, and the live readers woken.
    index, stored = await live_repository.insert_turn(
        connection, turn, expected_index, CHANNEL, str(session_id)
    )
    if not stored:
        assert expected_index is not None  # without one, the turn is stored wherever it falls
        raise TurnIndexTaken(expected_index, index)
    return turn


async def transcript(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID
) -> list[dict[str, Any]]:
    session = await repository.get(db, workspace_id, session_id)
    if session is None:
        raise NotFound("session")
    return [turn_public(t) for t in await repository.turns_after(db, session.id, -1, 100_000)]


async def turns_after(
    db: AsyncSession, session_id: uuid.UUID, after: int, limit: int = 1000
) -> list[dict[str, Any]]:
    """The turns after index `after`, in order (the caller has checked the session is the
    reader's)."""
    return [turn_public(t) for t in await repository.turns_after(db, session_id, after, limit)]


async def stream(
    maker: async_sessionmaker[AsyncSession],
    listener: pubsub.Listener,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    last_seen: int,
    keepalive_seconds: float = 15.0,
) -> AsyncIterator[tuple[str, dict[str, Any] | None, int | None]]:
    """(event, data, id) items: every turn after `last_seen` in order, then live ones,
    `end` once the session is over, and `keepalive` comments between. The database is read
    after every wake-up, so a missed notification never loses a turn."""
    async with listener.subscribe(str(session_id)) as wake:
        while True:
            wake.clear()
            async with maker() as db:
                session = await repository.get(db, workspace_id, session_id)
                if session is None:
                    raise NotFound("session")
                rows = await repository.turns_after(db, session_id, last_seen)
                status = session.status
            for row in rows:
                last_seen = row.index
                yield "turn", turn_public(row), row.index
            if Status(status) in TERMINAL and not rows:
                yield "end", {"status": status}, None
                return
            if rows:
                continue
            try:
                await asyncio.wait_for(wake.wait(), timeout=keepalive_seconds)
            except TimeoutError:
                yield "keepalive", None, None


@dataclass(frozen=True)
class StoredTurn:
    """A turn with the interviewer's metadata, for the live room."""

    index: int
    speaker: str
    text: str
    started_at: datetime
    ended_at: datetime
    meta: dict[str, Any]
    words: list[dict[str, Any]] | None = None  # a spoken turn's recogniser words


async def stored_turns(db: AsyncSession, session_id: uuid.UUID) -> list[StoredTurn]:
    rows = await repository.turns_after(db, session_id, -1, 100_000)
    return [
        StoredTurn(
            r.index, r.speaker, r.text, r.started_at, r.ended_at, dict(r.meta or {}), r.words
        )
        for r in rows
    ]
