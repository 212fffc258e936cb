"""How much evidence stands behind a dimension's score (pure).

A dimension's confidence comes from the answers that count as evidence for it: answers that
inform it (see `Transcript.answers_for`), have at least `SHORT_ANSWER_WORDS` words the
candidate demonstrably said (words the speech recogniser was unsure of do not count), were not
pasted, and — when the scorer measured it — were relevant to the dimension. Evidence is
weighed, not only counted: a *full* answer (at least `FULL_ANSWER_WORDS` said words and, when
the scorer measured it, quality of at least `FULL_ANSWER_QUALITY`) weighs two, any other
counted answer one. Weight three or more from at least two answers whose quality agrees gives
`high`, weight two (one full answer, or two answers, or three that disagree) `medium`, less
`low`. So one short answer is `low`, one long, specific, relevant answer `medium`, and it takes
a second answer (its follow-up, or another question) for `high`.

Thin evidence cannot earn a high score: above the middle of the scale (5) a `medium` score
keeps 85 % of its distance from the middle and a `low` one 60 %, so an 8.2 on one short answer
becomes 6.9. A `medium` dimension whose evidence includes a *specific* full answer — quality of
at least `SPECIFIC_ANSWER_QUALITY` and relevance of at least `SPECIFIC_ANSWER_RELEVANCE`, as
the scorer measured them — keeps 95 %: one long, relevant, concrete answer is real evidence,
and the question it answered is often the only one the plan gives its dimension. Scores at or
below the middle are left as they are (a weak answer is evidence of weakness, and a
low-confidence dimension is flagged for review anyway).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from vivavoce.scoring.transcript import Answer

Level = Literal["high", "medium", "low"]

SHORT_ANSWER_WORDS = 12
FULL_ANSWER_WORDS = 40  # a full answer: a situation, what was done and why, in a few sentences
FULL_ANSWER_QUALITY = 0.3  # the scorer's quality (0-1) from which a long answer is full
RELEVANT = 0.35  # the scorer's relevance (0-1) from which an answer counts for a dimension
INCONSISTENT_SPREAD = 0.5  # answers' quality (0-1) further apart than this disagree
MIDDLE = 5.0
KEPT_ABOVE_MIDDLE: dict[Level, float] = {"high": 1.0, "medium": 0.85, "low": 0.6}
SPECIFIC_ANSWER_QUALITY = 0.6  # a full answer this good and this relevant (both 0-1) ...
SPECIFIC_ANSWER_RELEVANCE = 0.6
KEPT_SPECIFIC_MEDIUM = 0.95  # ... holds a `medium` dimension only lightly

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class AnswerEvidence:
    """What a scorer measured about one answer for one dimension (both 0-1)."""

    turn: int
    relevance: float
    quality: float


@dataclass(frozen=True, slots=True)
class Confidence:
    level: Level
    turns: tuple[int, ...]  # the answers that counted as evidence
    inconsistent: bool = False
    kept: float | None = None  # the share above the middle `held` keeps (None: the level's)


def said_words(answer: Answer) -> int:
    """Words of the scored text; unsure words are masked there, so they do not count."""
    return len(_WORD.findall(answer.text))


def assess(answers: Sequence[Answer], measured: Sequence[AnswerEvidence] | None) -> Confidence:
    """The confidence of a dimension informed by `answers`; `measured` is the scorer's view
    of those answers for this dimension (None when the scorer did not say)."""
    by_turn = {e.turn: e for e in measured or ()}
    counted: list[int] = []
    for answer in answers:
        if answer.pasted_characters or said_words(answer) < SHORT_ANSWER_WORDS:
            continue
        seen = by_turn.get(answer.turn)
        if measured is not None and (seen is None or seen.relevance < RELEVANT):
            continue
        counted.append(answer.turn)
    qualities = [by_turn[t].quality for t in counted if t in by_turn]
    inconsistent = len(qualities) >= 2 and max(qualities) - min(qualities) > INCONSISTENT_SPREAD
    said = {a.turn: a for a in answers}
    weight = sum(2 if _full(said[t], by_turn.get(t), measured is not None) else 1 for t in counted)
    level: Level
    if weight >= 3 and len(counted) >= 2 and not inconsistent:
        level = "high"
    elif weight >= 2:
        level = "medium"
    else:
        level = "low"
    kept = KEPT_ABOVE_MIDDLE[level]
    if level == "medium" and any(
        _specific(said[t], by_turn.get(t), measured is not None) for t in counted
    ):
        kept = KEPT_SPECIFIC_MEDIUM
    return Confidence(level, tuple(counted), inconsistent, kept)


def _full(answer: Answer, seen: AnswerEvidence | None, measured: bool) -> bool:
    """A long answer with substance: it weighs as much as two short ones. Without the
    scorer's quality (the LLM judge reports none) its length alone decides."""
    if said_words(answer) < FULL_ANSWER_WORDS:
        return False
    return not measured or (seen is not None and seen.quality >= FULL_ANSWER_QUALITY)


def _specific(answer: Answer, seen: AnswerEvidence | None, measured: bool) -> bool:
    """A full answer that the scorer found concrete and on topic. Only a scorer that measures
    answers can say so (the LLM judge reports no per-answer quality)."""
    return (
        measured
        and seen is not None
        and _full(answer, seen, measured)
        and seen.quality >= SPECIFIC_ANSWER_QUALITY
        and seen.relevance >= SPECIFIC_ANSWER_RELEVANCE
    )


def held(score: float, rated: Level | Confidence) -> float:
    """The score once thin evidence is taken into account (see the module docstring); a bare
    level holds by `KEPT_ABOVE_MIDDLE`, an assessed `Confidence` by its own `kept`."""
    kept = KEPT_ABOVE_MIDDLE[rated] if isinstance(rated, str) else kept_above_middle(rated)
    if score <= MIDDLE:
        return score
    return round(MIDDLE + (score - MIDDLE) * kept, 1)


def kept_above_middle(rated: Confidence) -> float:
    """The share of its distance above the middle a score with this evidence keeps."""
    return KEPT_ABOVE_MIDDLE[rated.level] if rated.kept is None else rated.kept


def low_confidence_reason(name: str, confidence: Confidence) -> str:
    count = len(confidence.turns)
    if count == 0:
        evidence = "no substantive answer informed it"
    else:
        evidence = f"only one short answer (turn {confidence.turns[0]}) informed it"
    return f"{name} has low-confidence evidence: {evidence}; its score was held toward the middle"
