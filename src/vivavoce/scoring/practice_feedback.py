"""Feedback for the candidate of a practice session, in plain words (pure).

The scorecard is written for recruiters (dimension scores, turn numbers, evidence notes);
a candidate rehearsing wants to know, per dimension, what went well and what to work on.
This turns each breakdown entry into that: a level from its score, what the candidate said
that counted (the scorer's citation, in their own words), and a tip for every gap the
scorer noted, or a general one when the scorer noted none but the score is low.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_QUOTE = 220

# The scorers' gap notes (offline scorer wording) and the tip each one gives the candidate.
_TIPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), tip)
    for pattern, tip in (
        (
            r"did not know",
            "When you do not know something, say how you would find out or reason it "
            "through out loud; that still shows how you think.",
        ),
        (
            r"lists terms without explaining",
            "Explain the terms you mention: what they are and why they mattered in your case.",
        ),
        (
            r"generic phrases",
            "Swap general phrases for a concrete example: what you did, how, and the result.",
        ),
        (
            r"did not address the question",
            "Answer the question that was asked first, then add the context around it.",
        ),
        (
            r"no reasons or trade-offs",
            "Say why: the reasons behind your choices and what you traded off.",
        ),
        (
            r"stayed general|no examples",
            "Give one specific example with names, numbers or an outcome.",
        ),
    )
)
_DETAILS = re.compile(r"Concrete details given: ([^.]+)\.")


@dataclass(frozen=True)
class DimensionFeedback:
    name: str
    level: str  # "strength" | "developing" | "focus"
    headline: str
    went_well: tuple[str, ...]
    to_improve: tuple[str, ...]


def _level(score: float | None) -> tuple[str, str]:
    if score is not None and score >= 7:
        return "strength", "A strength"
    if score is not None and score >= 4:
        return "developing", "Getting there"
    return "focus", "Worth practising"


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rstrip() + "…"


def for_dimension(entry: Mapping[str, Any]) -> DimensionFeedback:
    score = entry.get("score")
    level, headline = _level(float(score) if score is not None else None)
    notes = str(entry.get("feedback") or "")
    went_well: list[str] = []
    citations: Sequence[Mapping[str, Any]] = entry.get("citations") or []
    if citations and level != "focus":
        went_well.append(f"This counted: “{_quote(str(citations[0].get('quote') or ''))}”")
    details = _DETAILS.search(notes)
    if details and level != "focus":
        went_well.append(f"You gave concrete details ({details.group(1).strip()}).")
    tips = [tip for pattern, tip in _TIPS if pattern.search(notes)]
    if not entry.get("evidence_turns") and not citations:
        tips.insert(
            0,
            f"None of your answers showed {entry.get('name', 'this')} yet: bring it in "
            "with an example from your own experience.",
        )
    elif not tips and level != "strength":
        tips.append(
            "Add a concrete example from your own experience: what you did, how, and what "
            "came of it."
        )
    return DimensionFeedback(
        str(entry.get("name") or entry.get("dimension_id") or "Overall"),
        level,
        headline,
        tuple(went_well),
        tuple(dict.fromkeys(tips)),
    )


def candidate_feedback(breakdown: Sequence[Mapping[str, Any]]) -> list[DimensionFeedback]:
    return [for_dimension(entry) for entry in breakdown]
