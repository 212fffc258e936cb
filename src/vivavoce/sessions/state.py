"""The session lifecycle of SPEC §2 as one pure function.

    scheduled ──join──▶ in_progress ──complete──▶ completed ──score──▶ (scored)
        │                    ├──fail──▶ failed
        ├──cancel──▶ cancelled
        └──unreachable──▶ failed   (a phone interview whose every call went unanswered)

`apply(status, trigger)` returns the next status and the events to write in the same
transaction, or raises `InvalidTransition` (HTTP 409). Terminal sessions accept nothing but
the single `score` of a completed session.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Trigger(StrEnum):
    JOIN = "join"  # the candidate opens the interview (again, within the grace window)
    RESCHEDULE = "reschedule"  # the recruiter moves the time or edits notes
    CANCEL = "cancel"
    COMPLETE = "complete"  # the AI said its closing line
    FAIL = "fail"  # hang-up, disconnect past grace, technical failure
    SCORE = "score"  # the scorecard is written
    UNREACHABLE = "unreachable"  # a phone interview's calls all went unanswered (docs/phone.md)


class EndReason(StrEnum):
    COMPLETED = "completed"
    CANDIDATE_ENDED = "candidate_ended"
    DISCONNECTED = "disconnected"
    TECHNICAL_FAILURE = "technical_failure"
    CANCELLED = "cancelled"
    UNREACHABLE = "unreachable"


TERMINAL = frozenset({Status.COMPLETED, Status.FAILED, Status.CANCELLED})
OPEN = frozenset({Status.SCHEDULED, Status.IN_PROGRESS})


def is_open(status: str) -> bool:
    """A session still to run or running (`OPEN`), by its stored status."""
    return status in {s.value for s in OPEN}


class InvalidTransition(Exception):
    def __init__(self, status: Status, trigger: Trigger, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.trigger = trigger
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Transition:
    status: Status
    events: tuple[str, ...]


_TABLE: dict[tuple[Status, Trigger], Transition] = {
    (Status.SCHEDULED, Trigger.JOIN): Transition(Status.IN_PROGRESS, ("session.started",)),
    (Status.SCHEDULED, Trigger.RESCHEDULE): Transition(Status.SCHEDULED, ()),
    (Status.SCHEDULED, Trigger.CANCEL): Transition(Status.CANCELLED, ("session.cancelled",)),
    (Status.SCHEDULED, Trigger.UNREACHABLE): Transition(Status.FAILED, ("session.failed",)),
    (Status.IN_PROGRESS, Trigger.JOIN): Transition(Status.IN_PROGRESS, ()),
    (Status.IN_PROGRESS, Trigger.COMPLETE): Transition(Status.COMPLETED, ("session.completed",)),
    (Status.IN_PROGRESS, Trigger.FAIL): Transition(Status.FAILED, ("session.failed",)),
}

_WHY_NOT = {
    Trigger.RESCHEDULE: "only a scheduled session can be rescheduled",
    Trigger.CANCEL: "only a scheduled session can be cancelled",
    Trigger.COMPLETE: "only an interview in progress can be completed",
    Trigger.FAIL: "only an interview in progress can fail",
    Trigger.SCORE: "only a completed session can be scored",
    Trigger.JOIN: "this session cannot be joined",
    Trigger.UNREACHABLE: "only a scheduled session is called",
}


def apply(status: Status, trigger: Trigger, *, scored: bool = False) -> Transition:
    """The transition for `trigger` in `status`; `scored` says the scorecard already exists."""
    if status is Status.COMPLETED and trigger is Trigger.SCORE and not scored:
        return Transition(Status.COMPLETED, ("session.scored",))
    if status in TERMINAL:
        raise InvalidTransition(
            status,
            trigger,
            "session_immutable",
            f"the session is {status.value} and can no longer change",
        )
    transition = _TABLE.get((status, trigger))
    if transition is None:
        raise InvalidTransition(
            status, trigger, "invalid_transition", f"{_WHY_NOT[trigger]} (it is {status.value})"
        )
    return transition
