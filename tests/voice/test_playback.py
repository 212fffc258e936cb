"""Which part of a recording is which turn: the marks the live room leaves as it records
(written through the real channel and database) and how they are matched to turns."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.conftest import Tenant
from tests.fixtures.world import build_world, created, session_body
from tests.voice.test_live import Harness, ScriptedEars, ScriptedVoice
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.voice import marks
from vivavoce.voice.playback import Mark, Span, TurnTime, turn_spans
from vivavoce.voice.recordings import recording_key

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_runs_follow_the_turns_they_speak() -> None:
    turns = [
        TurnTime(0, "ai", at(0)),  # greeting, stored then spoken
        TurnTime(1, "participant", at(9)),  # spoken, utterance recorded at 8
        TurnTime(2, "ai", at(12)),  # first sentence spoken at 11, before it was stored
        TurnTime(3, "participant", at(30)),  # typed: no audio
        TurnTime(4, "ai", at(33)),
        TurnTime(5, "participant", at(50)),  # two utterances: one turn
    ]
    stretches = [
        Mark(0, "ai", at(0.5)),
        Mark(1500, "ai", at(1)),  # a second sentence of the same turn
        Mark(3000, "participant", at(8)),
        Mark(7000, "ai", at(11)),
        Mark(9000, "ai", at(34)),
        Mark(12000, "participant", at(40)),
        Mark(14000, "participant", at(48)),
    ]
    assert turn_spans(stretches, turns) == {
        0: Span(0, 3),
        1: Span(3, 7),
        2: Span(7, 9),  # the interviewer's runs 7 s and 9 s are two: 11 s and 34 s apart
        4: Span(9, 12),
        5: Span(12, None),
    }


def test_quick_exchanges_and_no_marks() -> None:
    turns = [TurnTime(0, "ai", at(0.08)), TurnTime(1, "participant", at(0.38))]
    turns += [TurnTime(2, "ai", at(0.42)), TurnTime(3, "participant", at(0.44))]
    stretches = [Mark(0, "ai", at(0.27)), Mark(2000, "participant", at(0.37))]
    assert turn_spans(stretches, turns) == {0: Span(0, 2), 1: Span(2, None)}
    assert turn_spans([], turns) == {}


async def test_the_live_channel_marks_each_stretch_where_it_starts(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, tmp_path: Path
) -> None:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    session_id = uuid.UUID(session["id"])
    harness = Harness(tmp_path, ScriptedEars(), ScriptedVoice())
    channel = harness.channel
    channel.deps = dataclasses.replace(channel.deps, sessionmaker=database.sessionmaker)
    channel._room_ids = lambda: (session_id, tenant.id)
    key = recording_key(tenant.id, session_id)
    await channel.deps.store.append(
        key, b"\x00\x00" * 16_000
    )  # a second from an earlier connection
    await channel._record(b"\x01\x00" * 8_000, "ai")
    await channel._record(b"\x02\x00" * 24_000, "participant")
    async with unit_of_work(database.sessionmaker) as db:
        found = await marks.marks_of(db, tenant.id, session_id)
    assert [(m.offset_ms, m.speaker) for m in found] == [(1000, "ai"), (1500, "participant")]
    assert (await channel.deps.store.open(key)).size == 2 * (16_000 + 8_000 + 24_000)  # type: ignore[union-attr]
