"""Authenticity signals (SPEC §4): browser events captured live, plus what the stored turns
tell (answer latency, typing speed, text addressed to the scorer), kept as a timeline with
times and turn numbers and summed up in `sessions.authenticity_signals`.

Signals are reported verbatim for a human to read; nothing here turns them into pass/fail.
Browser events come from the candidate's own page, so they are bounded (`MAX_BATCH` per
request, `MAX_EVENTS_PER_SESSION` per interview) and only accepted while the interview is in
progress. Times are the server's: a client says how long ago an event happened (`age_ms`),
never its own clock.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import Field, StrictInt, StrictStr, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.kit import crypto
from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.errors import Conflict, NotFound
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import InterviewSession, SessionSignal, SessionTurn
from vivavoce.sessions import repository, signals_repository
from vivavoce.sessions.state import Status

MAX_EVENTS_PER_SESSION = 2_000
MAX_BATCH = 100
MAX_BODY_BYTES = 8_192
MAX_AGE_MS = 3_600_000

SUPERHUMAN_CHARS_PER_SECOND = 15.0  # sustained typing faster than people type
MIN_TYPED_CHARACTERS = 30  # shorter answers say nothing about typing speed
TYPED_WINDOW_SECONDS = 0.5  # a turn whose own start and end are closer carries no typing time


class Kind(StrEnum):
    TAB_HIDDEN = "tab_hidden"
    TAB_VISIBLE = "tab_visible"
    FOCUS_LOST = "focus_lost"
    FOCUS_GAINED = "focus_gained"
    PASTE = "paste"
    CODE_PASTE = "code_paste"  # into the coding pane's editor
    COPY = "copy"
    FULLSCREEN_EXIT = "fullscreen_exit"
    MULTIPLE_DISPLAYS = "multiple_displays"
    NETWORK_CHANGE = "network_change"
    SCREEN_SHARE = "screen_share"
    ANSWER_TYPING = "answer_typing"
    TAKEN_OVER = "taken_over"
    # recorded by the server only (the browser endpoint refuses them)
    CONNECTION = "connection"
    TAKEOVER = "takeover"


SERVER_KINDS = frozenset({Kind.CONNECTION, Kind.TAKEOVER})
FINGERPRINT_CHARACTERS = 12


_DAY_MS = 86_400_000
_MANY = 1_000_000
# per kind, the data fields allowed: an int bound (0..bound) or a str length bound
_FIELDS: dict[Kind, dict[str, tuple[type, int]]] = {
    Kind.TAB_HIDDEN: {},
    Kind.TAB_VISIBLE: {"hidden_ms": (int, _DAY_MS)},
    Kind.FOCUS_LOST: {},
    Kind.FOCUS_GAINED: {"lost_ms": (int, _DAY_MS)},
    Kind.PASTE: {"characters": (int, _MANY)},
    Kind.CODE_PASTE: {"characters": (int, _MANY)},
    Kind.COPY: {"characters": (int, _MANY)},
    Kind.FULLSCREEN_EXIT: {},
    Kind.MULTIPLE_DISPLAYS: {"screens": (int, 64)},
    Kind.NETWORK_CHANGE: {"state": (str, 16), "effective_type": (str, 16)},
    Kind.SCREEN_SHARE: {},
    Kind.ANSWER_TYPING: {
        "characters": (int, _MANY),
        "typing_ms": (int, _DAY_MS),
        "keystrokes": (int, _MANY),
        "bursts": (int, 10_000),
    },
    Kind.TAKEN_OVER: {},
    Kind.CONNECTION: {"address": (str, 16), "user_agent": (str, 16)},
    Kind.TAKEOVER: {},
}


class SignalIn(StrictModel):
    """One browser event: `age_ms` how long before sending it happened; `turn_index` the
    number of turns the candidate had been shown."""

    kind: Kind
    age_ms: int = Field(default=0, ge=0, le=MAX_AGE_MS)
    turn_index: int | None = Field(default=None, ge=0, le=100_000)
    data: dict[str, StrictInt | StrictStr] = Field(default_factory=dict, max_length=8)

    @model_validator(mode="after")
    def _data_fits_kind(self) -> SignalIn:
        if self.kind in SERVER_KINDS:
            raise ValueError(f"`{self.kind.value}` is recorded by the server, not the page")
        allowed = _FIELDS[self.kind]
        for key, value in self.data.items():
            if key not in allowed:
                raise ValueError(f"`{self.kind.value}` has no field `{key}`")
            expected, bound = allowed[key]
            if expected is int:
                if not isinstance(value, int) or not 0 <= value <= bound:
                    raise ValueError(f"`{key}` is a whole number from 0 to {bound}")
            elif not isinstance(value, str) or len(value) > bound:
                raise ValueError(f"`{key}` is text of at most {bound} characters")
        return self


class SignalBatch(StrictModel):
    events: list[SignalIn] = Field(min_length=1, max_length=MAX_BATCH)


@dataclass(frozen=True)
class Recorded:
    stored: int
    dropped: int


async def record(db: AsyncSession, token: str, batch: SignalBatch, now: datetime) -> Recorded:
    """Store a batch of browser events for the interview of this join token and refresh the
    session's summary. Past `MAX_EVENTS_PER_SESSION` events are dropped (and counted)."""
    session = await repository.get_by_token_digest(db, crypto.digest(token), for_update=True)
    if session is None:
        raise NotFound("interview")
    if session.status != Status.IN_PROGRESS.value:
        raise Conflict(
            f"the interview is {session.status}; signals are only taken while it is in progress",
            code="session_not_in_progress",
        )
    return await _store(db, session, batch.events, now)


async def record_for_answer(
    db: AsyncSession, session_id: uuid.UUID, batch: SignalBatch, answer_index: int, now: datetime
) -> Recorded:
    """Store the page's events sent with an answer, in the transaction that stores the answer
    (so they are kept even when that answer ends the interview). They belong to that answer:
    a `turn_index` missing or past it becomes the answer's own index."""
    session = await repository.get_by_id(db, session_id, for_update=True)
    if session is None:
        raise NotFound("interview")
    events = [
        event
        if event.turn_index is not None and event.turn_index <= answer_index
        else event.model_copy(update={"turn_index": answer_index})
        for event in batch.events
    ]
    return await _store(db, session, events, now)


async def _store(
    db: AsyncSession, session: InterviewSession, events: Sequence[SignalIn], now: datetime
) -> Recorded:
    room = max(
        0, MAX_EVENTS_PER_SESSION - await signals_repository.count_for_session(db, session.id)
    )
    accepted = events[:room]
    earliest = session.started_at or now
    rows = [
        SessionSignal(
            workspace_id=session.workspace_id,
            session_id=session.id,
            kind=event.kind.value,
            occurred_at=max(earliest, now - timedelta(milliseconds=event.age_ms)),
            turn_index=event.turn_index,
            data=dict(event.data),
        )
        for event in accepted
    ]
    if rows:
        await signals_repository.add_all(db, rows)
        session.authenticity_signals = await summarize(db, session.id)
        await db.flush()
    return Recorded(stored=len(rows), dropped=len(events) - len(rows))


def fingerprint(secret_key: str, purpose: str, value: str) -> str:
    """A short keyed digest: enough to tell whether two connections came from the same
    address or browser, not enough to recover either (no addresses are stored)."""
    return crypto.keyed_digest(secret_key, f"signals:{purpose}", value)[:FINGERPRINT_CHARACTERS]


async def record_server(
    db: AsyncSession,
    session_id: uuid.UUID,
    kind: Kind,
    now: datetime,
    data: dict[str, str | int] | None = None,
) -> bool:
    """Store a server-seen event (a connection and where it came from, a live connection
    taken over by another) on the timeline and refresh the summary. Same cap as the page's
    events; only while the interview is in progress. False when nothing was stored."""
    session = await repository.get_by_id(db, session_id, for_update=True)
    if session is None or session.status != Status.IN_PROGRESS.value:
        return False
    if await signals_repository.count_for_session(db, session_id) >= MAX_EVENTS_PER_SESSION:
        return False
    row = SessionSignal(
        workspace_id=session.workspace_id,
        session_id=session.id,
        kind=kind.value,
        occurred_at=now,
        turn_index=await repository.next_turn_index(db, session.id),
        data=dict(data or {}),
    )
    await signals_repository.add_all(db, [row])
    session.authenticity_signals = await summarize(db, session.id)
    await db.flush()
    return True


async def record_connection(
    db: AsyncSession,
    session_id: uuid.UUID,
    now: datetime,
    *,
    secret_key: str,
    address: str | None,
    user_agent: str | None,
) -> bool:
    """A candidate connection joined: keyed fingerprints of its address and user agent."""
    data: dict[str, str | int] = {}
    if address:
        data["address"] = fingerprint(secret_key, "address", address)
    if user_agent:
        data["user_agent"] = fingerprint(secret_key, "user_agent", user_agent[:512])
    return await record_server(db, session_id, Kind.CONNECTION, now, data)


async def summarize(db: AsyncSession, session_id: uuid.UUID) -> dict[str, Any]:
    """The SPEC §4 summary object from the stored events and turns."""
    rows = await signals_repository.for_session(db, session_id)
    turns = await repository.turns_after(db, session_id, -1, 100_000)
    return build_summary(rows, turns)


async def pasted_by_turn(db: AsyncSession, session_id: uuid.UUID) -> dict[int, int]:
    """For scoring: the characters the candidate's page reported pasted, per answer turn."""
    rows = await signals_repository.for_session(db, session_id)
    turns = await repository.turns_after(db, session_id, -1, 100_000)
    answers = [t for t in turns if t.speaker == "participant"]
    pasted: dict[int, int] = {}
    for signal in rows:
        if signal.kind == Kind.PASTE.value and (turn := _answer_of(signal, answers)):
            # a paste event without a size still counts: something was pasted
            size = max(1, _number(signal.data, "characters"))
            pasted[turn.index] = pasted.get(turn.index, 0) + size
    return pasted


async def report(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID
) -> dict[str, Any]:
    """`GET /sessions/{id}/signals`: the summary (computed now) and the whole timeline."""
    session = await repository.get(db, workspace_id, session_id)
    if session is None:
        raise NotFound("session")
    rows = await signals_repository.for_session(db, session.id)
    turns = await repository.turns_after(db, session.id, -1, 100_000)
    return {
        "summary": build_summary(rows, turns),
        "timeline": [signal_public(row) for row in rows],
    }


def signal_public(row: SessionSignal) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "occurred_at": isoformat_z(row.occurred_at),
        "turn_index": row.turn_index,
        "data": dict(row.data or {}),
    }


# --- the summary (pure) -------------------------------------------------------------------


def _number(data: dict[str, Any] | None, key: str) -> int:
    value = (data or {}).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _percentile(values: Sequence[float], percent: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def _answer_of(signal: SessionSignal, answers: Sequence[SessionTurn]) -> SessionTurn | None:
    """The candidate turn an event belongs to: the first answer at or after the turn count
    the candidate was shown (by time when the page did not say)."""
    for turn in answers:
        if signal.turn_index is not None:
            if turn.index >= signal.turn_index:
                return turn
        elif turn.ended_at >= signal.occurred_at:
            return turn
    return None


def build_summary(signals: Sequence[SessionSignal], turns: Sequence[SessionTurn]) -> dict[str, Any]:
    by_kind: dict[str, list[SessionSignal]] = {}
    for signal in signals:
        by_kind.setdefault(signal.kind, []).append(signal)

    def of(kind: Kind) -> list[SessionSignal]:
        return by_kind.get(kind.value, [])

    focus_ms = sum(_number(s.data, "lost_ms") for s in of(Kind.FOCUS_GAINED))
    hidden_ms = sum(_number(s.data, "hidden_ms") for s in of(Kind.TAB_VISIBLE))
    answers = [t for t in turns if t.speaker == "participant"]
    pasted: set[int] = set()
    for signal in of(Kind.PASTE):
        turn = _answer_of(signal, answers)
        if turn is not None:
            pasted.add(turn.index)
    typing_reports: dict[int, SessionSignal] = {}
    for signal in of(Kind.ANSWER_TYPING):
        turn = _answer_of(signal, answers)
        if turn is not None:
            typing_reports[turn.index] = signal

    latencies: list[float] = []
    speeds: list[float] = []
    superhuman = 0
    manipulation = 0
    previous: SessionTurn | None = None
    for turn in turns:
        if turn.speaker == "participant":
            judgement = (turn.meta or {}).get("judgement")
            if isinstance(judgement, dict) and judgement.get("addressed_to_scorer") is True:
                manipulation += 1
            after_ai = previous is not None and previous.speaker == "ai"
            if after_ai and previous is not None:
                waited = (turn.started_at - previous.ended_at).total_seconds()
                latencies.append(max(0.0, waited * 1000))
            speed = _typing_speed(turn, previous if after_ai else None, typing_reports)
            if speed is not None and turn.index not in pasted:
                speeds.append(speed)
                if speed > SUPERHUMAN_CHARS_PER_SECOND:
                    superhuman += 1
        previous = turn

    p50 = _percentile(latencies, 50)
    p95 = _percentile(speeds, 95)
    similarities = [
        value
        for turn in answers
        if isinstance(value := (turn.meta or {}).get("scripted_similarity"), int | float)
        and not isinstance(value, bool)
    ]
    screens = [_number(s.data, "screens") for s in of(Kind.MULTIPLE_DISPLAYS)]
    return {
        "tab_switches": len(of(Kind.TAB_HIDDEN)),
        "focus_lost_seconds": round(max(focus_ms, hidden_ms) / 1000, 1),
        "paste_events": len(of(Kind.PASTE)),
        "pasted_characters": sum(_number(s.data, "characters") for s in of(Kind.PASTE)),
        "code_paste_events": len(of(Kind.CODE_PASTE)),
        "code_pasted_characters": sum(_number(s.data, "characters") for s in of(Kind.CODE_PASTE)),
        "copy_events": len(of(Kind.COPY)),
        "fullscreen_exits": len(of(Kind.FULLSCREEN_EXIT)),
        "multiple_displays": any(n != 1 for n in screens),
        # the displaced page says so, and so does the server when the displaced connection
        # was alive to hear it: one takeover, counted once, whichever reported it
        "concurrent_connections": max(len(of(Kind.TAKEN_OVER)), len(of(Kind.TAKEOVER))),
        "network_changes": len(of(Kind.NETWORK_CHANGE)) + _client_changes(of(Kind.CONNECTION)),
        "answer_latency_ms": {
            "p50": None if p50 is None else round(p50),
            "max": round(max(latencies)) if latencies else None,
        },
        "typing": {
            "chars_per_second_p95": None if p95 is None else round(p95, 1),
            "bursts": sum(_number(s.data, "bursts") for s in typing_reports.values()),
        },
        "superhuman_typing": superhuman,
        "scripted_answer_similarity": round(max(similarities), 2) if similarities else None,
        "evaluator_manipulation_attempts": manipulation,
        "voice_spoofing_flags": 0,
        "screen_share_detected": bool(of(Kind.SCREEN_SHARE)),
    }


def _client_changes(connections: Sequence[SessionSignal]) -> int:
    """Connections (in time order) that came from another address or another browser than
    the one before them."""
    changes = 0
    for before, after in itertools.pairwise(connections):
        for key in ("address", "user_agent"):
            old, new = (before.data or {}).get(key), (after.data or {}).get(key)
            if old and new and old != new:
                changes += 1
                break
    return changes


def _typing_speed(
    turn: SessionTurn,
    previous_ai: SessionTurn | None,
    reports: dict[int, SessionSignal],
) -> float | None:
    """Characters per second of one answer: the faster of what the page measured (first
    keystroke to send) and what the server saw (characters over the time the candidate had:
    the turn's own duration when it carries one, else since the question ended). The
    server's figure is a lower bound a page cannot talk down."""
    characters = len(turn.text or "")
    if characters < MIN_TYPED_CHARACTERS:
        return None
    speeds: list[float] = []
    report = reports.get(turn.index)
    typing_ms = _number(report.data, "typing_ms") if report is not None else 0
    if typing_ms > 0:
        speeds.append(characters / (typing_ms / 1000))
    own = (turn.ended_at - turn.started_at).total_seconds()
    if own > TYPED_WINDOW_SECONDS:
        speeds.append(characters / own)
    elif previous_ai is not None:
        window = (turn.started_at - previous_ai.ended_at).total_seconds()
        speeds.append(characters / max(window, 0.05))
    return max(speeds) if speeds else None
