"""From per-dimension judgements to a scorecard (pure; SPEC §5).

Scorers judge each dimension (a 0-10 score, feedback, citations); everything else is decided
here, by code: citations are checked against the transcript word for word (an unverifiable one
is dropped and flags the scorecard for review), the overall score is the weighted mean, a
dimension passes at its `passThreshold`, the session passes when the overall score reaches the
rubric's bar (the stage's `pass_threshold`/10 when set, else the profile's
`overallPassThreshold`) and every dimension with a threshold passes, and the recommendation is
the template's `success_outcome` word for that verdict.

Each dimension also carries its evidence confidence (`confidence.py`): thin evidence holds the
score toward the middle, and a low-confidence dimension flags the scorecard for review. Every
text a person reads quotes only the candidate: a quoted span that is not in a candidate turn
(or holds words the speech recogniser was unsure of) is withheld, and "probe next" names the
question by its turn, never by the interviewer's words. Pasted answers and a poorly recognised
voice interview are review reasons, not silent evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from vivavoce.scoring import confidence as evidence
from vivavoce.scoring.confidence import AnswerEvidence, Level
from vivavoce.scoring.rubric import Rubric, RubricDimension
from vivavoce.scoring.transcript import Answer, Transcript, quotes_unsure

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
    # what the scorer measured per answer (relevance, quality); None: it did not say, and
    # confidence is judged from the transcript alone
    evidence: tuple[AnswerEvidence, ...] | None = None


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
    confidence: Level = "high"
    scorer_score: float | None = None  # the scorer's score before the confidence rule
    evidence_turns: tuple[int, ...] = ()  # the answers that counted as evidence
    runs: tuple[str, ...] = ()  # the code runs it cites ("submission 3: 9/10 hidden tests")

    def public(self) -> dict[str, Any]:
        return {
            **({"runs": list(self.runs)} if self.runs else {}),
            "dimension_id": self.dimension_id,
            "name": self.name,
            "weight": self.weight,
            "score": self.score,
            "pass_threshold": self.pass_threshold,
            "passed": self.passed,
            "feedback": self.feedback,
            "citations": [{"turn": c.turn, "quote": c.quote} for c in self.citations],
            "confidence": self.confidence,
            "scorer_score": self.scorer_score,
            "evidence_turns": list(self.evidence_turns),
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


def verdict(
    dimensions: Sequence[tuple[float, float, float | None]], bar: float
) -> tuple[Decimal, bool, list[bool | None]]:
    """From (weight, score, pass threshold) per dimension: the overall score (weighted mean),
    whether the session passed (overall ≥ bar and no dimension below its threshold) and each
    dimension's pass (None without a threshold)."""
    passes = [None if t is None else score >= t for _, score, t in dimensions]
    overall = weighted_mean([(w, score) for w, score, _ in dimensions])
    passed = overall >= one_decimal(bar) and all(p is not False for p in passes)
    return overall, passed, passes


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _find(citation: Citation, transcript: Transcript) -> tuple[Answer | None, str]:
    answer = next((a for a in transcript.answers if a.turn == citation.turn), None)
    return answer, _normalise(citation.quote).strip(_QUOTES)


def verify(citation: Citation, transcript: Transcript) -> Citation | None:
    """The citation as it stands in the transcript, or None when that candidate turn does not
    contain the quote word for word (whitespace aside) or the quote holds a word the speech
    recogniser was unsure of."""
    answer, quote = _find(citation, transcript)
    if answer is None or len(quote) < 3 or quote not in _normalise(answer.raw):
        return None
    if quotes_unsure(quote, answer.unsure_words):
        return None
    return Citation(answer.turn, quote[:MAX_QUOTE_CHARACTERS])


def quotes_unsure_words(citation: Citation, transcript: Transcript) -> bool:
    """Whether a citation failed only because it holds words the recogniser was unsure of
    (it then quotes the scored text, where those words are masked, or the turn itself)."""
    answer, quote = _find(citation, transcript)
    if answer is None or not answer.unsure_words:
        return False
    return quote in _normalise(answer.text) or quotes_unsure(quote, answer.unsure_words)


def _clamp(score: float) -> float:
    if score != score:  # NaN
        return 0.0
    return float(one_decimal(min(10.0, max(0.0, score))))


@dataclass
class _Checks:
    """What assembling a scorecard found along the way."""

    transcript: Transcript
    reasons: list[str]
    dropped: list[Citation] = field(default_factory=list)
    unsure: int = 0

    def citations(self, judgement: DimensionJudgement) -> tuple[Citation, ...]:
        kept: list[Citation] = []
        for citation in judgement.citations:
            checked = verify(citation, self.transcript)
            if checked is None and quotes_unsure_words(citation, self.transcript):
                self.unsure += 1  # expected with speech: dropped, not a sign of invention
            elif checked is None:
                self.dropped.append(citation)
            elif checked not in kept and len(kept) < MAX_CITATIONS:
                kept.append(checked)
        return tuple(kept)


def _dimension(
    dim: RubricDimension, judgement: DimensionJudgement | None, checks: _Checks, weight: float
) -> DimensionResult:
    if judgement is None:
        checks.reasons.append(f"the scorer gave no score for {dim.name}")
        judgement = DimensionJudgement(dim.id, 0.0, "Not scored.")
    informing = [a for a in checks.transcript.answers_for(dim.id) if a.text.strip()]
    rated = evidence.assess(informing, judgement.evidence)
    if rated.level == "low":
        checks.reasons.append(evidence.low_confidence_reason(dim.name, rated))
    scorer_score = _clamp(judgement.score)
    score = evidence.held(scorer_score, rated)
    feedback = candidate_quotes_only(judgement.feedback, checks.transcript)
    pasted = [a for a in informing if a.pasted_characters]
    if pasted:
        turns = ", ".join(str(a.turn) for a in pasted)
        feedback += f" Pasted text (turn {turns}) was not counted as the candidate's evidence."
    return DimensionResult(
        dimension_id=dim.id,
        name=dim.name,
        weight=weight,
        score=score,
        pass_threshold=dim.pass_threshold,
        passed=None if dim.pass_threshold is None else score >= dim.pass_threshold,
        feedback=feedback,
        citations=checks.citations(judgement),
        confidence=rated.level,
        scorer_score=scorer_score,
        evidence_turns=rated.turns,
    )


def assemble(rubric: Rubric, transcript: Transcript, output: ScorerOutput) -> Scorecard:
    by_id = {j.dimension_id: j for j in output.judgements}
    checks = _Checks(transcript, list(output.review_reasons))
    total_weight = sum(d.weight for d in rubric.dimensions) or 1.0
    results = [
        _dimension(dim, by_id.get(dim.id), checks, round(dim.weight / total_weight, 4))
        for dim in rubric.dimensions
    ]
    reasons = checks.reasons
    if checks.dropped:
        reasons.append(
            f"{len(checks.dropped)} citation(s) could not be found in the transcript and were "
            "dropped"
        )
    if output.manipulation_attempts:
        reasons.append(
            f"{output.manipulation_attempts} answer(s) addressed the scorer; that text was "
            "not scored"
        )
    reasons.extend(signal_reasons(transcript))
    threshold = rubric.pass_threshold
    scores = [(r.weight, r.score, r.pass_threshold) for r in results]
    overall, passed, _ = verdict(scores, threshold)
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
        dropped_citations=tuple(checks.dropped),
    )


# --- what signals say about the evidence ---------------------------------------------------------

POOR_RECOGNITION_SHARE = 0.15  # of a voice interview's words below the recogniser's threshold


def signal_reasons(transcript: Transcript) -> list[str]:
    """Review reasons from how the answers came about: pasted text, poor speech recognition."""
    reasons = []
    answers = [a for a in transcript.answers if a.informs]
    for answer in answers:
        if answer.pasted_characters:
            reasons.append(
                f"turn {answer.turn}: {answer.pasted_characters} characters were pasted into "
                "the answer; it was not counted as the candidate's own evidence"
            )
    recognised = sum(a.recognised_words for a in answers)
    unsure = sum(len(a.unsure_words) for a in answers)
    if recognised and unsure / recognised > POOR_RECOGNITION_SHARE:
        reasons.append(
            f"the interview was poorly recognised: the speech recogniser was unsure of "
            f"{unsure} of {recognised} words ({round(100 * unsure / recognised)} %); those "
            "words were not scored or cited"
        )
    return reasons


# --- text a person reads -------------------------------------------------------------------------

_QUOTED = re.compile(r'"([^"\n]{3,}?)"|\u201c([^\u201d\n]{3,}?)\u201d')
WITHHELD = "(quote withheld: not the candidate's own words)"
WITHHELD_UNSURE = "(quote withheld: the speech recogniser was unsure of some of its words)"


def candidate_quotes_only(text: str, transcript: Transcript) -> str:
    """`text` with every quoted span that is not the candidate's own words — found in a
    candidate turn, with no word the recogniser was unsure of — replaced by a note."""
    answers = [(a, _normalise(a.raw)) for a in transcript.answers]

    def check(match: re.Match[str]) -> str:
        quote = _normalise(match.group(1) or match.group(2) or "").strip(_QUOTES + " .,")
        owners = [a for a, raw in answers if quote and quote in raw]
        if not owners:
            masked = any(quote in _normalise(a.text) for a, _ in answers if a.unsure_words)
            return WITHHELD_UNSURE if masked else WITHHELD
        if all(quotes_unsure(quote, a.unsure_words) for a in owners):
            return WITHHELD_UNSURE
        return match.group(0)

    return _QUOTED.sub(check, text)


def _quoted(result: DimensionResult) -> str:
    if not result.citations:
        return ""
    citation = result.citations[0]
    quote = citation.quote if len(citation.quote) <= 160 else citation.quote[:157] + "…"
    return f' (turn {citation.turn}: "{quote}")'


def _probe(result: DimensionResult, transcript: Transcript) -> str:
    """The dimension to probe and where it came from — the question's turn, never its
    words (those are the interviewer's)."""
    answers = transcript.answers_for(result.dimension_id)
    asked = sorted({a.question_turn for a in answers if a.question_turn is not None})
    note = "" if result.confidence == "high" else f", {result.confidence} confidence"
    where = ""
    if asked:
        turns = ", ".join(str(t) for t in asked[:3])
        plural = "s at turns" if len(asked) > 1 else " at turn"
        where = f" — from the question{plural} {turns}"
    return f"{result.name} ({result.score:.1f}/10{note}){where}"


def summary(
    results: Sequence[DimensionResult], transcript: Transcript, output: ScorerOutput
) -> str:
    """Two paragraphs: what the candidate did well (in their own words), and what the next
    interviewer should probe — the weakest dimensions and the questions they came from."""
    ranked = sorted(results, key=lambda r: (-r.score, -r.weight))
    strong = [r for r in ranked if r.score >= 6.0][:2] or ranked[:1]
    weak = [r for r in reversed(ranked) if r.score < 7.0 or r.passed is False][:2]
    if output.strengths:
        first = candidate_quotes_only(output.strengths.strip(), transcript)
    else:
        parts = [f"{r.name} {r.score:.1f}/10{_quoted(r)}" for r in strong]
        first = "Strongest: " + "; ".join(parts) + "."
    if weak:
        second = "Probe next: " + "; ".join(_probe(r, transcript) for r in weak) + "."
    else:
        second = "Probe next: every dimension scored 7 or more; go deeper on the heaviest one."
    if output.probes:  # the judge's own advice follows, held to the candidate's words
        second += " " + candidate_quotes_only(output.probes.strip(), transcript)
    return first + "\n\n" + second
