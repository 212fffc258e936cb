"""The coding dimension of a scorecard (pure): informed by the test results of the
candidate's runs and by how they discussed their code, citing both.

The tests part is the latest submission's hidden-test pass rate (a point less when it
raised runtime errors or timed out); with no submission, half the visible pass rate of the
latest run (no hidden evidence). The discussion part is the mean score of the dimensions
whose evidence includes the candidate's answers to the coding questions. The coding
dimension takes `CODING_WEIGHT` of the overall score; the others keep their proportions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from vivavoce.coding.evidence import CodingEvidence, RunRecord
from vivavoce.scoring.confidence import Level
from vivavoce.scoring.rubric import Rubric
from vivavoce.scoring.scorecard import (
    Citation,
    DimensionResult,
    Scorecard,
    recommendation,
    verdict,
)

CODING_WEIGHT = 0.3
TESTS_SHARE = 0.6  # of the coding score; the discussion has the rest
ERROR_PENALTY = 1.0
UNSUBMITTED_FACTOR = 0.5
MAX_CODING_CITATIONS = 3


def run_label(run: RunRecord) -> str:
    """How a scorecard cites a run: "submission 3: 9/10 hidden tests"."""
    kind = "submission" if run.mode == "submit" else "run"
    if run.hidden_total:
        said = f"{kind} {run.number}: {run.hidden_passed or 0}/{run.hidden_total} hidden tests"
        visible = run.total - run.hidden_total
        said += f", {run.passed - (run.hidden_passed or 0)}/{visible} visible"
    else:
        said = f"{kind} {run.number}: {run.passed}/{run.total} visible tests"
    if run.errors:
        said += f", {run.errors} with runtime errors or timeouts"
    return f"{said} ({run.language})"


def score_from_tests(runs: Sequence[RunRecord]) -> tuple[float, RunRecord | None]:
    """0-10 from the runs, and the run it rests on (None: nothing was run)."""
    if not runs:
        return 0.0, None
    submissions = [run for run in runs if run.mode == "submit" and run.hidden_total]
    basis = submissions[-1] if submissions else runs[-1]
    if basis.hidden_total:
        rate = (basis.hidden_passed or 0) / basis.hidden_total
    else:
        rate = UNSUBMITTED_FACTOR * basis.passed / max(basis.total, 1)
    penalty = ERROR_PENALTY if basis.errors else 0.0
    return round(max(0.0, 10 * rate - penalty), 1), basis


def _discussion(
    card: Scorecard, turns: frozenset[int]
) -> tuple[float | None, tuple[Citation, ...]]:
    touching = [d for d in card.breakdown if set(d.evidence_turns) & turns]
    if not touching:
        return None, ()
    citations = [c for d in touching for c in d.citations if c.turn in turns]
    unique = tuple(dict.fromkeys(citations))[:MAX_CODING_CITATIONS]
    return round(sum(d.score for d in touching) / len(touching), 1), unique


def coding_result(card: Scorecard, evidence: CodingEvidence) -> DimensionResult:
    tests, basis = score_from_tests(evidence.runs)
    discussion, citations = _discussion(card, evidence.answer_turns)
    confidence: Level
    if discussion is None:
        score, confidence = tests, "medium"
    else:
        score, confidence = round(TESTS_SHARE * tests + (1 - TESTS_SHARE) * discussion, 1), "high"
    if basis is None:
        said = "No code was run."
    else:
        submitted = sum(run.mode == "submit" for run in evidence.runs)
        said = f"Tests: {run_label(basis)}; {len(evidence.runs)} run(s), {submitted} submitted."
    if discussion is None:
        said += " The coding questions were not discussed."
    else:
        turns = ", ".join(map(str, sorted(evidence.answer_turns)))
        said += f" Discussion of the code (turns {turns}): {discussion:g}/10."
    return DimensionResult(
        dimension_id="coding",
        name="Coding",
        weight=CODING_WEIGHT,
        score=score,
        pass_threshold=None,
        passed=None,
        feedback=said,
        citations=citations,
        confidence=confidence,
        scorer_score=tests,
        evidence_turns=tuple(sorted(evidence.answer_turns)),
        runs=tuple(run_label(run) for run in evidence.runs),
    )


def with_coding(card: Scorecard, rubric: Rubric, evidence: CodingEvidence | None) -> Scorecard:
    """`card` with its coding dimension, the overall score and verdict recomputed."""
    if evidence is None or any(d.dimension_id == "coding" for d in card.breakdown):
        return card
    coding = coding_result(card, evidence)
    rest = [
        dataclasses.replace(d, weight=round(d.weight * (1 - CODING_WEIGHT), 4))
        for d in card.breakdown
    ]
    breakdown = (*rest, coding)
    overall, passed, _ = verdict(
        [(d.weight, d.score, d.pass_threshold) for d in breakdown], card.pass_threshold
    )
    return dataclasses.replace(
        card,
        score=overall,
        passed=passed,
        recommendation=recommendation(rubric, passed),
        breakdown=breakdown,
        ai_feedback=f"{card.ai_feedback} Coding: {coding.feedback}".strip(),
    )
