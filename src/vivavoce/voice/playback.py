"""Which part of a recording is which turn.

A recording is the candidate's utterances and the interviewer's sentences appended one after
another, so its timeline is not the clock's. The live room leaves a mark where each stretch
of speech starts (offset, speaker, when it was recorded). Consecutive marks of one speaker
become a run (split where the other side answered in writing in between), and each run is
given, in order, to its turn: a candidate's utterance is recorded as it ends, just before
its words are stored, so it belongs to the first of the candidate's turns stored after it
began; the interviewer's sentences are spoken once worded (the first one sometimes while the
rest is still being worded), so they belong to the last turn stored before the first
sentence when that is the interviewer's, else to the interviewer's next turn. A typed turn
has no audio and gets no run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Mark:
    offset_ms: int
    speaker: str  # "ai" | "participant"
    recorded_at: datetime


@dataclass(frozen=True)
class TurnTime:
    index: int
    speaker: str
    ended_at: datetime


@dataclass(frozen=True)
class Span:
    """Where a turn plays, in seconds; `end` None for the last stretch of the recording."""

    start: float
    end: float | None


@dataclass(frozen=True)
class _Run:
    start_ms: int
    speaker: str
    first_at: datetime


def _runs(marks: Sequence[Mark], turns: Sequence[TurnTime]) -> list[_Run]:
    """Consecutive marks of one speaker, split where a turn of the other speaker was stored
    in between (a typed answer between two spoken questions)."""
    runs: list[_Run] = []
    previous: Mark | None = None
    for mark in sorted(marks, key=lambda m: m.offset_ms):
        answered_between = previous is not None and any(
            turn.speaker != mark.speaker and previous.recorded_at < turn.ended_at < mark.recorded_at
            for turn in turns
        )
        if not runs or runs[-1].speaker != mark.speaker or answered_between:
            runs.append(_Run(mark.offset_ms, mark.speaker, mark.recorded_at))
        previous = mark
    return runs


def _first(turns: Sequence[TurnTime], speaker: str, start: int) -> int | None:
    return next((p for p in range(start, len(turns)) if turns[p].speaker == speaker), None)


def _owner(run: _Run, turns: Sequence[TurnTime], position: int) -> int | None:
    """The place in `turns` of the turn this run speaks, at or after `position`."""
    if run.speaker != "ai":
        # an utterance is recorded as it ends, before its words are stored as the turn
        return next(
            (
                p
                for p in range(position, len(turns))
                if turns[p].speaker == run.speaker and turns[p].ended_at >= run.first_at
            ),
            None,
        )
    # the interviewer speaks the turn stored last before its first sentence, or (when the
    # first sentence was spoken while the rest was still being worded) the one after that
    before = [p for p, turn in enumerate(turns) if turn.ended_at <= run.first_at]
    start = 0 if not before else before[-1] + (turns[before[-1]].speaker != "ai")
    return _first(turns, "ai", max(start, position))


def turn_spans(marks: Sequence[Mark], turns: Sequence[TurnTime]) -> dict[int, Span]:
    """Each turn's place in the recording, for the turns that have one."""
    ordered = sorted(turns, key=lambda t: t.index)
    runs = _runs(marks, ordered)
    spans: dict[int, Span] = {}
    position = 0
    for number, run in enumerate(runs):
        end_ms = runs[number + 1].start_ms if number + 1 < len(runs) else None
        found = _owner(run, ordered, position)
        if found is None:
            continue
        spans[ordered[found].index] = Span(
            run.start_ms / 1000, None if end_ms is None else end_ms / 1000
        )
        position = found + 1
    return spans
