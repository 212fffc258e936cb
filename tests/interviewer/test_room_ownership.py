"""One connection owns a live interview at a time, in-process against the real database: two
tabs consenting at once store one greeting; a connection displaced by another process (its
claim made straight through the session service, as that process would) can store neither an
answer nor a question, hears of it at once through LISTEN/NOTIFY, and a silence timer of the
displaced room falling due after a reconnect cannot add a second check-in."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import Tenant
from tests.web.test_join import ANSWERS, new_session
from vivavoce.coding.room import LiveCodingRound
from vivavoce.config import Settings
from vivavoce.interviewer.offline import OfflineJudge, OfflineVoice
from vivavoce.interviewer.room import Room, RoomDeps
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.pubsub import Listener
from vivavoce.runtime import Database
from vivavoce.sessions import service as sessions
from vivavoce.sessions import transcript

OTHER_PROCESS_CONNECTION = "f" * 32


class Tab:
    """A candidate's browser tab as the room sees it: the frames it was sent."""

    def __init__(self, deps: RoomDeps, token: str) -> None:
        self.frames: list[dict[str, Any]] = []
        self.closed_with: int | None = None
        self.told = asyncio.Event()
        self.room = Room(deps, token, self._send, self._close)

    async def _send(self, message: dict[str, Any]) -> None:
        self.frames.append(message)
        if message.get("state") == "taken_over":
            self.told.set()

    async def _close(self, code: int) -> None:
        self.closed_with = code

    async def say(self, message: dict[str, Any]) -> None:
        await self.room.receive(json.dumps(message))

    def states(self) -> list[str]:
        return [f["state"] for f in self.frames if f["type"] == "status"]


@pytest.fixture
def deps(settings: Settings, database: Database) -> RoomDeps:
    return RoomDeps(
        sessionmaker=database.sessionmaker,
        links=sessions.SessionLinks(settings.public_url or "", settings.secret_key),
        grace_seconds=120,
        voice=OfflineVoice(),
        judge=OfflineJudge(),
        coding=LiveCodingRound(database.sessionmaker),
    )


@pytest.fixture
async def listener(database: Database) -> AsyncIterator[Listener]:
    running = Listener(database.url, transcript.CHANNEL)
    yield running
    await running.close()


async def scheduled(client: httpx.AsyncClient, tenant: Tenant) -> tuple[str, str]:
    session = await new_session(client, tenant)
    return session["id"], session["join_url"].rsplit("/", 1)[1]


async def stored(database: Database, session_id: str) -> list[dict[str, Any]]:
    async with database.sessionmaker() as db:
        rows = await transcript.stored_turns(db, _uuid(session_id))
    return [{"index": r.index, "speaker": r.speaker, "text": r.text, **r.meta} for r in rows]


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


async def claim_elsewhere(database: Database, session_id: str) -> None:
    """What another API process does when a tab connects to it."""
    async with unit_of_work(database.sessionmaker) as db:
        await sessions.claim_connection(db, _uuid(session_id), OTHER_PROCESS_CONNECTION, utcnow())


async def test_two_tabs_consenting_at_once_store_one_greeting(
    deps: RoomDeps, database: Database, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for _ in range(8):
        session_id, token = await scheduled(client, tenant)
        first, second = Tab(deps, token), Tab(deps, token)
        await asyncio.gather(first.say({"type": "consent"}), second.say({"type": "consent"}))
        turns = await stored(database, session_id)
        assert [t["move"] for t in turns] == ["greet"], turns
        # exactly one tab holds the interview; the other was told and closed
        live = [tab for tab in (first, second) if "taken_over" not in tab.states()]
        assert len(live) == 1
        for tab in (first, second):
            await tab.room.disconnected()


async def test_a_displaced_connection_stores_no_answer_and_no_question(
    deps: RoomDeps, database: Database, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session_id, token = await scheduled(client, tenant)
    old = Tab(deps, token)
    await old.say({"type": "consent"})
    assert [t["speaker"] for t in await stored(database, session_id)] == ["ai"]

    await claim_elsewhere(database, session_id)
    await old.say({"type": "answer", "text": ANSWERS[0]})

    assert [t["speaker"] for t in await stored(database, session_id)] == ["ai"]
    assert old.states()[-1] == "taken_over" and old.closed_with == 4000
    assert not [f for f in old.frames if f["type"] == "turn" and f["speaker"] == "participant"]


async def test_a_takeover_on_another_process_is_heard_at_once(
    deps: RoomDeps,
    database: Database,
    client: httpx.AsyncClient,
    tenant: Tenant,
    listener: Listener,
) -> None:
    deps.listener = listener
    session_id, token = await scheduled(client, tenant)
    old = Tab(deps, token)
    await old.say({"type": "consent"})
    assert "live" in old.states()

    await claim_elsewhere(database, session_id)
    # the first heartbeat comes 4-40 s after joining here: only the notification can tell
    # the tab this soon
    await asyncio.wait_for(old.told.wait(), timeout=2.0)
    assert old.closed_with == 4000
    await old.room.disconnected()


async def test_a_displaced_rooms_silence_timer_adds_no_second_check_in(
    deps: RoomDeps, database: Database, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session_id, token = await scheduled(client, tenant)
    old = Tab(deps, token)
    await old.say({"type": "consent"})
    await old.say({"type": "answer", "text": ANSWERS[0]})
    asked = await stored(database, session_id)
    assert asked[-1]["move"] == "ask"
    await _silent_for(database, session_id, timedelta(seconds=100))  # a check-in is due

    # the candidate reconnects elsewhere (the old socket was never seen to close) ...
    await claim_elsewhere(database, session_id)
    # ... and the old room's timer falls due: it must not speak for a connection it lost
    await old.room.advance()
    assert await stored(database, session_id) == asked
    assert old.states()[-1] == "taken_over"

    new = Tab(deps, token)
    await new.say({"type": "resume"})
    moves = [t["move"] for t in await stored(database, session_id) if t["speaker"] == "ai"]
    assert moves[-1] == "encourage" and moves.count("encourage") == 1, moves
    await new.room.disconnected()


async def _silent_for(database: Database, session_id: str, quiet: timedelta) -> None:
    """Move the interview back in time, as if the candidate had been silent for `quiet`."""
    async with unit_of_work(database.sessionmaker) as db:
        params = {"id": _uuid(session_id), "quiet": quiet}
        await db.execute(
            text(
                "UPDATE sessions SET started_at = started_at - CAST(:quiet AS interval) WHERE id = :id"
            ),
            params,
        )
        await db.execute(
            text(
                "UPDATE session_turns SET started_at = started_at - CAST(:quiet AS interval),"
                " ended_at = ended_at - CAST(:quiet AS interval) WHERE session_id = :id"
            ),
            params,
        )
