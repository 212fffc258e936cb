"""The timing rules of one question of a one-way assessment, pure.

A question goes `ready` (not shown yet) → `preparing` (shown, preparation time running) →
`answering` (answer time running) → `review` (an answer recorded: submit it, or retake it
while attempts are left) → submitted, and the next question is `ready`. Time is the
server's: a phase's start is stored, and a reload, a second tab or a late request all see
the same clock. Preparation that runs out starts the answer time by itself; an answer time
that runs out (plus `GRACE_SECONDS` for the request carrying the answer) closes the question
unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Phase = Literal["ready", "preparing", "answering", "review"]
GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class Limits:
    prep_seconds: int
    answer_seconds: int
    retakes: int


@dataclass(frozen=True)
class Clock:
    """A question's phase and when it began."""

    phase: Phase
    started_at: datetime | None


def settle(clock: Clock, limits: Limits, now: datetime) -> tuple[Clock, bool]:
    """The phase at `now`, and whether the answer time ran out with no answer recorded."""
    if clock.phase == "preparing" and clock.started_at is not None:
        prep_end = clock.started_at + timedelta(seconds=limits.prep_seconds)
        if now >= prep_end:
            clock = Clock("answering", prep_end)
    overdue = clock.phase == "answering" and not within_answer_time(clock, limits, now)
    return clock, overdue


def answer_deadline(answering_since: datetime, limits: Limits) -> datetime:
    return answering_since + timedelta(seconds=limits.answer_seconds)


def seconds_left(clock: Clock, limits: Limits, now: datetime) -> float | None:
    """What the page's countdown shows for the current phase (None: no countdown)."""
    if clock.started_at is None:
        return None
    if clock.phase == "preparing":
        end = clock.started_at + timedelta(seconds=limits.prep_seconds)
    elif clock.phase == "answering":
        end = answer_deadline(clock.started_at, limits)
    else:
        return None
    return max(0.0, (end - now).total_seconds())


def within_answer_time(clock: Clock, limits: Limits, now: datetime) -> bool:
    """An answer arriving now still counts (the grace covers the request's travel)."""
    if clock.phase != "answering" or clock.started_at is None:
        return False
    return now <= answer_deadline(clock.started_at, limits) + timedelta(seconds=GRACE_SECONDS)


def recording_fits(seconds: float, clock: Clock, limits: Limits, arrived: datetime) -> bool:
    """A recording no longer than the answer time, nor than the time since the answer time
    began (so it cannot have been made before the question was shown), give or take the
    grace for the page's and the recorder's own timing."""
    if clock.phase != "answering" or clock.started_at is None:
        return False
    since = (arrived - clock.started_at).total_seconds()
    return seconds <= min(limits.answer_seconds, since) + GRACE_SECONDS
