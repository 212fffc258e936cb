"""The coding questions' words (pure): what the interviewer may say about the latest run."""

from __future__ import annotations

from typing import Any

from vivavoce.coding import interview
from vivavoce.interviewer.plan import build_plan


def plan() -> Any:
    profile = {"evaluationDimensions": [{"name": "Problem solving", "weight": 100}]}
    return interview.with_coding_questions(build_plan(profile, {}, {}), "Two sum")


def question(question_id: str) -> Any:
    return next(q for q in plan().questions if q.id == question_id)


def execution(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "mode": "submit",
        "language": "python",
        "passed": 2,
        "total": 4,
        "hidden_passed": 1,
        "hidden_total": 2,
        "results": [
            {"hidden": False, "status": "passed", "args": [[1, 2], 3], "expected": [0, 1]},
            {"hidden": False, "status": "passed", "args": [[3, 3], 6], "expected": [0, 1]},
            {"hidden": True, "status": "passed", "args": [[777], 1], "expected": []},
            {"hidden": True, "status": "failed", "args": [[-98765], 5], "expected": [31337]},
        ],
    }
    base.update(overrides)
    return base


def test_the_coding_questions_come_last_once_and_verbatim() -> None:
    once = plan()
    twice = interview.with_coding_questions(once, "Two sum")
    ids = [q.id for q in twice.questions]
    assert ids[-3:] == [interview.APPROACH, interview.PROBE, interview.COMPLEXITY]
    assert len(ids) == len(set(ids))
    assert all(q.verbatim for q in twice.questions[-3:])


def test_before_any_run_the_approach_question_says_so() -> None:
    text = interview.live_text(question(interview.APPROACH), None, "two_sum")
    assert "You have not run it yet" in text and "“Two sum”" in text


def test_a_failed_visible_test_is_probed_with_its_values() -> None:
    results = execution()["results"]
    results[1] = {**results[1], "status": "failed", "actual": None}
    run = interview.latest_run(3, execution(mode="run", results=results, hidden_total=0))
    text = interview.live_text(question(interview.PROBE), run, "two_sum")
    assert text.startswith(
        "In your latest run, two_sum([3, 3], 6) returned null instead of [0, 1]."
    )


def test_hidden_failures_are_counted_never_shown() -> None:
    run = interview.latest_run(4, execution())
    probe = interview.live_text(question(interview.PROBE), run, "two_sum")
    approach = interview.live_text(question(interview.APPROACH), run, "two_sum")
    assert "missed 1 of the 2 hidden tests" in probe
    assert "passed 2 of 4 tests, 1 of 2 of them hidden" in approach
    for text in (probe, approach):
        assert "98765" not in text and "31337" not in text and "777" not in text


def test_with_everything_passing_the_probe_asks_about_edge_cases() -> None:
    results = [{**r, "status": "passed"} for r in execution()["results"]]
    run = interview.latest_run(5, execution(results=results, passed=4, hidden_passed=2))
    text = interview.live_text(question(interview.PROBE), run, "two_sum")
    assert text == question(interview.PROBE).text
