"""The coding dimension (pure): test results and discussion, runs cited, weights kept."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vivavoce.coding.evidence import CodingEvidence, RunRecord
from vivavoce.scoring.coding import run_label, score_from_tests, with_coding
from vivavoce.scoring.rubric import rubric_from
from vivavoce.scoring.scorecard import Citation, DimensionResult, Scorecard


def card(score: float = 6.0, turns: tuple[int, ...] = (8, 10)) -> Scorecard:
    dimension = DimensionResult(
        dimension_id="problem_solving",
        name="Problem solving",
        weight=1.0,
        score=score,
        pass_threshold=None,
        passed=None,
        feedback="Solid.",
        citations=(Citation(8, "I used a hash map"), Citation(3, "earlier answer")),
        evidence_turns=turns,
    )
    return Scorecard(
        score=Decimal(str(score)),
        passed=score >= 7,
        recommendation="x",
        pass_threshold=7.0,
        ai_feedback="Feedback.",
        breakdown=(dimension,),
        needs_human_review=False,
        review_reasons=(),
        scorer="offline",
        model="offline",
        rubric_version="v1",
        manipulation_attempts=0,
    )


def run(number: int, mode: str, passed: int, hidden: int | None, errors: int = 0) -> RunRecord:
    total, hidden_total = (3, 0) if mode == "run" else (13, 10)
    return RunRecord(number, mode, "python", passed, total, hidden, hidden_total, errors)


def test_the_latest_submission_carries_the_tests_part_and_is_cited() -> None:
    runs = (run(1, "run", 1, None), run(2, "submit", 11, 9), run(3, "run", 3, None))
    evidence = CodingEvidence(runs=runs, answer_turns=frozenset({8, 10}))
    scored = with_coding(card(), rubric_from(None, {}, {}), evidence)
    coding = scored.breakdown[-1]
    assert coding.dimension_id == "coding" and coding.weight == 0.3
    assert score_from_tests(runs)[0] == 9.0
    assert coding.score == pytest.approx(0.6 * 9.0 + 0.4 * 6.0)
    assert "submission 2: 9/10 hidden tests, 2/3 visible (python)" in coding.runs
    assert coding.citations == (Citation(8, "I used a hash map"),)  # the coding answers only
    assert scored.breakdown[0].weight == pytest.approx(0.7)
    assert scored.score == Decimal("6.5")  # 0.7 * 6.0 + 0.3 * 7.8, to one decimal
    assert scored.passed is False and "Coding: Tests: submission 2" in scored.ai_feedback


def test_runtime_errors_cost_a_point_and_without_a_submission_only_half_counts() -> None:
    assert score_from_tests((run(1, "submit", 13, 10, errors=2),))[0] == 9.0
    assert score_from_tests((run(1, "run", 3, None),))[0] == 5.0
    assert score_from_tests(())[0] == 0.0
    assert run_label(run(4, "submit", 5, 3, errors=1)) == (
        "submission 4: 3/10 hidden tests, 2/3 visible, 1 with runtime errors or timeouts (python)"
    )


def test_no_discussion_leaves_the_tests_alone_at_medium_confidence() -> None:
    evidence = CodingEvidence(runs=(run(1, "submit", 13, 10),), answer_turns=frozenset())
    coding = with_coding(card(turns=(2,)), rubric_from(None, {}, {}), evidence).breakdown[-1]
    assert coding.score == 10.0 and coding.confidence == "medium"
    assert "were not discussed" in coding.feedback


def test_a_session_without_a_coding_problem_is_left_as_it_is() -> None:
    original = card()
    assert with_coding(original, rubric_from(None, {}, {}), None) is original
