"""The live room's hottest statements on the asyncpg connection of the caller's ORM
transaction (`kit.db.raw_connection`), outside the ORM: storing a turn and a heartbeat.

py-spy at 200 live candidates put storing a turn (four ORM statements) and the heartbeat
(two) among the largest costs per answer (docs/benchmarks.md); an ORM statement costs about
ten times the CPU of the same statement on asyncpg.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import asyncpg

from vivavoce.models import SessionTurn
from vivavoce.sessions.repository import TurnFence

_LOCK_FOR_TURN = (
    "SELECT workspace_id, status, live_connection_id FROM sessions WHERE id = $1 FOR UPDATE"
)


async def lock_for_turn(connection: asyncpg.Connection, session_id: uuid.UUID) -> TurnFence | None:
    """`repository.lock_for_turn`: the session's row locked, the three columns a turn needs."""
    row = await connection.fetchrow(_LOCK_FOR_TURN, session_id)
    return None if row is None else TurnFence(row[0], row[1], row[2])


# After the lock, in a statement of its own (its snapshot sees the turn of a writer this one
# waited for): the next index, and the turn inserted at it unless the caller expected another
# ($10; NULL: any), and the live readers woken at commit ($11, $12) when it was.
_INSERT_TURN = """
WITH next AS (
    SELECT COALESCE(MAX(index) + 1, 0) AS index FROM session_turns WHERE session_id = $3
), inserted AS (
    INSERT INTO session_turns
        (id, workspace_id, session_id, index, speaker, text, started_at, ended_at, meta, words)
    SELECT $1, $2, $3, next.index, $4, $5, $6, $7, $8::text::jsonb, $9::text::jsonb
    FROM next WHERE $10::int IS NULL OR next.index = $10::int
    RETURNING index
), woken AS (
    SELECT pg_notify($11, $12) FROM inserted
)
SELECT next.index, EXISTS (SELECT 1 FROM inserted), (SELECT count(*) FROM woken)
FROM next
"""


async def insert_turn(
    connection: asyncpg.Connection,
    turn: SessionTurn,
    expected_index: int | None,
    channel: str,
    topic: str,
) -> tuple[int, bool]:
    """(the next index, whether `turn` was stored there); `turn.index` is set when it was."""
    row = await connection.fetchrow(
        _INSERT_TURN,
        turn.id,
        turn.workspace_id,
        turn.session_id,
        turn.speaker,
        turn.text,
        turn.started_at,
        turn.ended_at,
        json.dumps(turn.meta),
        None if turn.words is None else json.dumps(turn.words),
        expected_index,
        channel,
        topic,
    )
    assert row is not None  # `next` has one row, always
    index, stored = int(row[0]), bool(row[1])
    if stored:
        turn.index = index
    return index, stored


# `service.touch_connection` in one statement: the heartbeat is written only while this
# connection holds the room, read without waiting on the session's row lock.
_TOUCH = """
WITH holder AS (
    SELECT 1 FROM sessions WHERE id = $1 AND live_connection_id = $2
), touched AS (
    INSERT INTO session_liveness (session_id, connection_id, seen_at)
    SELECT $1, $2, $3 FROM holder
    ON CONFLICT (session_id, connection_id) DO UPDATE SET seen_at = EXCLUDED.seen_at
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM touched)
"""


async def touch_if_holder(
    connection: asyncpg.Connection, session_id: uuid.UUID, connection_id: str, now: datetime
) -> bool:
    return bool(await connection.fetchval(_TOUCH, session_id, connection_id, now))
