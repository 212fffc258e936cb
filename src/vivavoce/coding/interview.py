"""What the interviewer asks about the candidate's code (pure: no I/O).

A session with a coding problem gets three questions at the end of its plan: the approach,
the failures or edge cases, and the complexity. Their words are filled in when they are
asked, from the candidate's latest run, so the interviewer speaks about the code as it is
then. Only what the candidate could see is said: a visible test's inputs and values, a hidden
test's count, never its inputs, expected values or the solution. The questions are
verbatim, so an LLM voice says them as written and cannot add what it was never told.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from vivavoce.coding.evidence import RunRecord, runtime_errors
from vivavoce.interviewer.plan import InterviewPlan, PlannedQuestion

PREFIX = "coding-"
APPROACH, PROBE, COMPLEXITY = f"{PREFIX}approach", f"{PREFIX}probe", f"{PREFIX}complexity"
MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class LatestRun(RunRecord):
    """The candidate's latest run, as far as the interviewer may speak of it."""

    visible_failure: dict[str, Any] | None  # the first failing visible test, if any


def is_coding(question_id: str | None) -> bool:
    return bool(question_id) and str(question_id).startswith(PREFIX)


def with_coding_questions(plan: InterviewPlan, title: str) -> InterviewPlan:
    """`plan` with the coding questions appended (once)."""
    if any(is_coding(q.id) for q in plan.questions):
        return plan
    dimensions = tuple(d.id for d in plan.dimensions[:1])
    asked = (
        PlannedQuestion(
            id=APPROACH,
            text=f"Let's talk about the coding problem, “{title}”. Walk me through your "
            "approach: how does your solution work?",
            dimension_ids=dimensions,
            follow_ups=("Why did you choose that approach over the alternatives?",),
            verbatim=True,
            topic="the coding problem",
        ),
        PlannedQuestion(
            id=PROBE,
            text="Which edge cases did you think about, and how does your code handle them?",
            dimension_ids=dimensions,
            follow_ups=("How would you test that case?",),
            verbatim=True,
            topic="edge cases",
        ),
        PlannedQuestion(
            id=COMPLEXITY,
            text="What are the time and space complexity of your solution, and could it do better?",
            dimension_ids=dimensions,
            follow_ups=("Where does most of the time go for a large input?",),
            verbatim=True,
            topic="complexity",
        ),
    )
    return plan.model_copy(update={"questions": plan.questions + asked})


def _value(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _outcome(run: LatestRun) -> str:
    kind = "submission" if run.mode == "submit" else "run"
    said = f"Your latest {kind} passed {run.passed} of {run.total} tests"
    if run.hidden_total:
        said += f", {run.hidden_passed or 0} of {run.hidden_total} of them hidden"
    return said + "."


def live_text(question: PlannedQuestion, run: LatestRun | None, entry: str) -> str:
    """The words of a coding question now, given the latest run (None: nothing run yet)."""
    if question.id == APPROACH:
        if run is None:
            return question.text + " You have not run it yet; tell me how you plan to."
        return f"{_outcome(run)} {question.text}"
    if question.id == PROBE and run is not None:
        failure = run.visible_failure
        if failure is not None:
            call = f"{entry}({', '.join(_value(a) for a in failure.get('args') or [])})"
            if failure.get("status") == "failed":
                what = (
                    f"returned {_value(failure.get('actual'))} instead of "
                    f"{_value(failure.get('expected'))}"
                )
            else:
                what = "did not finish" if failure.get("status") == "timeout" else "raised an error"
            kind = "submission" if run.mode == "submit" else "run"
            return (
                f"In your latest {kind}, {call} {what}. What do you think went wrong there, "
                "and how would you fix it?"
            )
        if run.hidden_total and (run.hidden_passed or 0) < run.hidden_total:
            missed = run.hidden_total - (run.hidden_passed or 0)
            return (
                f"Your submission missed {missed} of the {run.hidden_total} hidden tests. "
                "Which inputs do you think your solution might not handle yet?"
            )
    return question.text


def latest_run(number: int, execution: dict[str, Any]) -> LatestRun:
    """From a stored execution (`results` with `hidden` flags), what may be said of it."""
    results = execution.get("results") or []
    failure = next(
        (r for r in results if not r.get("hidden") and r.get("status") != "passed"), None
    )
    return LatestRun(
        number=number,
        mode=str(execution.get("mode")),
        language=str(execution.get("language")),
        passed=int(execution.get("passed") or 0),
        total=int(execution.get("total") or 0),
        hidden_passed=execution.get("hidden_passed"),
        hidden_total=int(execution.get("hidden_total") or 0),
        visible_failure=failure,
        errors=runtime_errors(results),
    )
