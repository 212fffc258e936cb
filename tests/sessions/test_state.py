"""Every (status, trigger) pair of the session lifecycle (SPEC §2), with no database."""

from __future__ import annotations

import itertools

import pytest

from vivavoce.sessions.state import TERMINAL, InvalidTransition, Status, Transition, Trigger, apply

ALLOWED: dict[tuple[Status, Trigger], Transition] = {
    (Status.SCHEDULED, Trigger.JOIN): Transition(Status.IN_PROGRESS, ("session.started",)),
    (Status.SCHEDULED, Trigger.RESCHEDULE): Transition(Status.SCHEDULED, ()),
    (Status.SCHEDULED, Trigger.CANCEL): Transition(Status.CANCELLED, ("session.cancelled",)),
    (Status.SCHEDULED, Trigger.UNREACHABLE): Transition(Status.FAILED, ("session.failed",)),
    (Status.IN_PROGRESS, Trigger.JOIN): Transition(Status.IN_PROGRESS, ()),
    (Status.IN_PROGRESS, Trigger.COMPLETE): Transition(Status.COMPLETED, ("session.completed",)),
    (Status.IN_PROGRESS, Trigger.FAIL): Transition(Status.FAILED, ("session.failed",)),
    (Status.COMPLETED, Trigger.SCORE): Transition(Status.COMPLETED, ("session.scored",)),
}

PAIRS = list(itertools.product(Status, Trigger))


@pytest.mark.parametrize(("status", "trigger"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_every_pair_has_its_defined_outcome(status: Status, trigger: Trigger) -> None:
    expected = ALLOWED.get((status, trigger))
    if expected is not None:
        assert apply(status, trigger) == expected
        return
    with pytest.raises(InvalidTransition) as raised:
        apply(status, trigger)
    expected_code = "session_immutable" if status in TERMINAL else "invalid_transition"
    assert raised.value.code == expected_code
    assert raised.value.status is status


@pytest.mark.parametrize("trigger", list(Trigger))
def test_a_scored_session_accepts_nothing_more(trigger: Trigger) -> None:
    with pytest.raises(InvalidTransition) as raised:
        apply(Status.COMPLETED, trigger, scored=True)
    assert raised.value.code == "session_immutable"


@pytest.mark.parametrize(("status", "trigger"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_terminal_sessions_never_leave_their_status(status: Status, trigger: Trigger) -> None:
    if status not in TERMINAL:
        return
    try:
        transition = apply(status, trigger)
    except InvalidTransition:
        return
    assert transition.status is status


def test_cancel_only_from_scheduled() -> None:
    cancellable = [s for s in Status if (s, Trigger.CANCEL) in ALLOWED]
    assert cancellable == [Status.SCHEDULED]
