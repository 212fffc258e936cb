"""From per-dimension judgements to a scorecard (pure; SPEC §5).

Scorers judge each dimension (a 0-10 score, feedback, citations); everything else is decided
here, by code: citations are checked against the transcript word for word (an unverifiable one
is dropped and flags the scorecard for review), the overall score is the weighted mean, a
dimension passes at its `passThreshold`, the session passes when the overall score reaches the
rubric's bar (the stage's `pass_threshold`/10 when set, else the profile's
`overallPassThreshold`) and every dimension with a threshold passes, and the recommendation is
the template's `success_outcome` word for that verdict.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from vivavoce.scoring.rubric import Rubric
from vivavoce.scoring.transcript import Transcript

MAX_CITATIONS = 3
MAX_QUOTE_CHARACTERS = 400
_QUOTES = "\"'\u201c\u201d\u2018\u2019"


@dataclass(frozen=True, slots=True)
class Citation:
    turn: int
    quote: str


@dataclass(frozen=True, slots=True)
class DimensionJudgement:
    dimension_id: str
    score: float  # 0-10
    feedback: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class ScorerOutput:
    """What one scorer says about one transcript."""

    judgements: tuple[DimensionJudgement, ...]
    scorer: str  # "offline" | "llm"
    model: str
    review_reasons: tuple[str, ...] = ()
    manipulation_attempts: int = 0
    strengths: str | None = None  # the scorer's own summary, when it wrote one
    probes: str | None = None


@dataclass(frozen=True, slots=True)
class DimensionResult:
    dimension_id: str
    name: str
    weight: float  # share of the overall score (0-1)
    score: float
    pass_threshold: float | None
    passed: bool | None
    feedback: str
    citations: tuple[Citation, ...]

    def public(self) -> dict[str, Any]:
        return {
            "dimension_id": self.dimension_id,
            "name": self.name,
            "weight": self.weight,
            "score": self.score,
            "pass_threshold": self.pass_threshold,
            "passed": self.passed,
            "feedback": self.feedback,
            "citations": [{"turn": c.turn, "quote": c.quote} for c in self.citations],
        }


@dataclass(frozen=True, slots=True)
class Scorecard:
    score: Decimal  # 0-10, one decimal
    passed: bool
    recommendation: str
    pass_threshold: float
    ai_feedback: str
    breakdown: tuple[DimensionResult, ...]
    needs_human_review: bool
    review_reasons: tuple[str, ...]
    scorer: str
    model: str
    rubric_version: str
    manipulation_attempts: int
    dropped_citations: tuple[Citation, ...] = field(default=())

    def public(self) -> dict[str, Any]:
        return {
            "score": f"{self.score:.1f}",
            "passed": self.passed,
            "recommendation": self.recommendation,
            "pass_threshold": self.pass_threshold,
            "ai_feedback": self.ai_feedback,
            "evaluation_breakdown": [d.public() for d in self.breakdown],
            "needs_human_review": self.needs_human_review,
            "review_reasons": list(self.review_reasons),
            "scoring": {
                "scorer": self.scorer,
                "model": self.model,
                "rubric_version": self.rubric_version,
            },
            "evaluator_manipulation_attempts": self.manipulation_attempts,
        }


# --- the rules ---------------------------------------------------------------------------------


def one_decimal(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def weighted_mean(scores: Sequence[tuple[float, float]]) -> Decimal:
    """Σ weight·score / Σ weight over (weight, score) pairs, to one decimal."""
    total = sum(Decimal(str(w)) for w, _ in scores)
    if total <= 0:
        raise ValueError("weights must add up to more than zero")
    mean = sum(Decimal(str(w)) * Decimal(str(s)) for w, s in scores) / total
    return one_decimal(mean)


def recommendation(rubric: Rubric, passed: bool) -> str:
    positive, negative = rubric.vocabulary
    return positive if passed else negative


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def verify(citation: Citation, transcript: Transcript) -> Citation | None:
    """The citation as it stands in the transcript, or None when that candidate turn does not
    contain the quote word for word (whitespace aside)."""
    turn = next((t for t in transcript.turns if t.index == citation.turn), None)
    quote = _normalise(citation.quote).strip(_QUOTES)
    if turn is None or turn.speaker != "participant" or len(quote) < 3:
        return None
    if quote not in _normalise(turn.text):
        return None
    return Citation(turn.index, quote[:MAX_QUOTE_CHARACTERS])


def _clamp(score: float) -> float:
    if score != score:  # NaN
        return 0.0
    return float(one_decimal(min(10.0, max(0.0, score))))


def assemble(rubric: Rubric, transcript: Transcript, output: ScorerOutput) -> Scorecard:
    by_id = {j.dimension_id: j for j in output.judgements}
    reasons = list(output.review_reasons)
    dropped: list[Citation] = []
    total_weight = sum(d.weight for d in rubric.dimensions) or 1.0
    results = []
    for dim in rubric.dimensions:
        judgement = by_id.get(dim.id)
        if judgement is None:
            reasons.append(f"the scorer gave no score for {dim.name}")
            judgement = DimensionJudgement(dim.id, 0.0, "Not scored.")
        citations: list[Citation] = []
        for citation in judgement.citations:
            checked = verify(citation, transcript)
            if checked is None:
                dropped.append(citation)
            elif checked not in citations and len(citations) < MAX_CITATIONS:
                citations.append(checked)
        score = _clamp(judgement.score)
        passed = None if dim.pass_threshold is None else score >= dim.pass_threshold
        results.append(
            DimensionResult(
                dimension_id=dim.id,
                name=dim.name,
                weight=round(dim.weight / total_weight, 4),
                score=score,
                pass_threshold=dim.pass_threshold,
                passed=passed,
                feedback=judgement.feedback,
                citations=tuple(citations),
            )
        )
    if dropped:
        reasons.append(
            f"{len(dropped)} citation(s) could not be found in the transcript and were dropped"
        )
    if output.manipulation_attempts:
        reasons.append(
            f"{output.manipulation_attempts} answer(s) addressed the scorer; that text was "
            "not scored"
        )
    overall = weighted_mean([(r.weight, r.score) for r in results])
    threshold = rubric.pass_threshold
    passed = overall >= one_decimal(threshold) and all(r.passed is not False for r in results)
    return Scorecard(
        score=overall,
        passed=passed,
        recommendation=recommendation(rubric, passed),
        pass_threshold=threshold,
        ai_feedback=summary(results, transcript, output),
        breakdown=tuple(results),
        needs_human_review=bool(reasons),
        review_reasons=tuple(dict.fromkeys(reasons)),
        scorer=output.scorer,
        model=output.model,
        rubric_version=rubric.version,
        manipulation_attempts=output.manipulation_attempts,
        dropped_citations=tuple(dropped),
    )


def _quoted(result: DimensionResult) -> str:
    if not result.citations:
        return ""
    citation = result.citations[0]
    quote = citation.quote if len(citation.quote) <= 160 else citation.quote[:157] + "…"
    return f' (turn {citation.turn}: "{quote}")'


def summary(
    results: Sequence[DimensionResult], transcript: Transcript, output: ScorerOutput
) -> str:
    """Two paragraphs: what the candidate did well, and what the next interviewer should
    probe — from the scores and the candidate's own words."""
    ranked = sorted(results, key=lambda r: (-r.score, -r.weight))
    strong = [r for r in ranked if r.score >= 6.0][:2] or ranked[:1]
    weak = [r for r in reversed(ranked) if r.score < 7.0 or r.passed is False][:2]
    if output.strengths:
        first = output.strengths.strip()
    else:
        parts = [f"{r.name} {r.score:.1f}/10{_quoted(r)}" for r in strong]
        first = "Strongest: " + "; ".join(parts) + "."
    if output.probes:
        second = output.probes.strip()
    elif weak:
        probes = []
        for r in weak:
            asked = next(
                (a.question for a in transcript.answers_for(r.dimension_id) if a.question), ""
            )
            where = f' — revisit "{_short(asked)}"' if asked else ""
            probes.append(f"{r.name} ({r.score:.1f}/10){where}")
        second = "Probe next: " + "; ".join(probes) + "."
    else:
        second = "Probe next: every dimension scored 7 or more; go deeper on the heaviest one."
    return first + "\n\n" + second


def _short(text: str, limit: int = 120) -> str:
    text = _normalise(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
