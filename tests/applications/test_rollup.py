"""The application outcome from the newest session of every stage (pure)."""

from __future__ import annotations

import uuid

from vivavoce.applications.schemas import rollup_outcome
from vivavoce.models import EvaluationStage, InterviewSession


def stage(order: int, status: str = "active") -> EvaluationStage:
    return EvaluationStage(id=uuid.uuid4(), stage_order=order, status=status, type=f"s{order}")


def session(passed: bool | None) -> InterviewSession:
    return InterviewSession(id=uuid.uuid4(), passed=passed)


def test_outcome_follows_the_stages_in_order() -> None:
    a, b, c = stage(0), stage(1), stage(2)
    stages = [c, a, b]  # order comes from stage_order, not from the list
    assert rollup_outcome(stages, {}, "in_progress") == "in_progress"
    assert rollup_outcome(stages, {a.id: session(None)}, "in_progress") == "in_progress"
    assert rollup_outcome(stages, {a.id: session(False)}, "in_progress") == "not_passed"
    passed_first = {a.id: session(True)}
    assert rollup_outcome(stages, passed_first, "in_progress") == "in_progress"
    assert rollup_outcome(stages, passed_first, "awaiting_review") == "awaiting_review"
    # once the next stage has a session, the reviewer's wait is over
    both = {a.id: session(True), b.id: session(None)}
    assert rollup_outcome(stages, both, "awaiting_review") == "in_progress"
    every = {a.id: session(True), b.id: session(True), c.id: session(True)}
    assert rollup_outcome(stages, every, "in_progress") == "passed"
    later_fail = {a.id: session(True), b.id: session(False)}
    assert rollup_outcome(stages, later_fail, "in_progress") == "not_passed"


def test_archived_stages_do_not_count() -> None:
    a, b = stage(0), stage(1, status="archived")
    assert rollup_outcome([a, b], {a.id: session(True)}, "in_progress") == "passed"
    assert rollup_outcome([], {}, "in_progress") == "in_progress"
