"""The bias audit's arithmetic, pure: per group of a category (and of the intersection of
sex and race / ethnicity) the candidates scored, the selection rates, the mean score, the
scoring rate, and impact ratios against the group with the highest rate; groups under the
minimum size are suppressed (no counts, no rates) and left out of the ratios."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vivavoce.bias_audit.questions import QUESTIONS, RACE_ETHNICITY, SEX, Answers

# The EEOC's four-fifths rule of thumb: a group selected at under 80 % of the rate of the most
# selected group shows adverse impact worth a closer look.
FOUR_FIFTHS = 0.8
NOT_DISCLOSED = "not_disclosed"


@dataclass(frozen=True)
class Outcome:
    """One candidate's latest scorecard of the stage, and what they chose to say."""

    answers: Answers
    score: float | None
    passed: bool
    advanced: bool


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    groups: tuple[tuple[str, str], ...]  # (key, label)
    group_of: Callable[[Answers], str | None]


def _intersection(answers: Answers) -> str | None:
    if answers.sex is None or answers.race_ethnicity is None:
        return None
    return f"{answers.sex}+{answers.race_ethnicity}"


def _answer_to(key: str) -> Callable[[Answers], str | None]:
    def group_of(answers: Answers) -> str | None:
        value: str | None = getattr(answers, key)
        return value

    return group_of


CATEGORIES: tuple[Category, ...] = (
    *(Category(q.key, q.label, q.options, _answer_to(q.key)) for q in QUESTIONS),
    Category(
        "sex_x_race_ethnicity",
        f"{SEX.label} and {RACE_ETHNICITY.label.lower()}",
        tuple(
            (f"{s}+{r}", f"{s_label} · {r_label}")
            for s, s_label in SEX.options
            for r, r_label in RACE_ETHNICITY.options
        ),
        _intersection,
    ),
)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _cell(key: str, label: str, members: Sequence[Outcome], median: float | None) -> dict[str, Any]:
    scores = [m.score for m in members if m.score is not None]
    above = sum(1 for s in scores if median is not None and s > median)
    passed = sum(1 for m in members if m.passed)
    advanced = sum(1 for m in members if m.advanced)
    return {
        "key": key,
        "label": label,
        "candidates": len(members),
        "passed": passed,
        "advanced": advanced,
        "selection_rate": _rate(passed, len(members)),
        "advance_rate": _rate(advanced, len(members)),
        "mean_score": round(statistics.fmean(scores), 2) if scores else None,
        "scoring_rate": _rate(above, len(scores)),
        "suppressed": False,
        # the exact fractions behind the rates, for the ratios (dropped before returning)
        "_exact": {
            "selection_rate": (passed, len(members)),
            "advance_rate": (advanced, len(members)),
            "scoring_rate": (above, len(scores)),
        },
    }


_MEASURES = ("candidates", "passed", "advanced", "selection_rate", "advance_rate")
_MEASURES_ALL = (*_MEASURES, "mean_score", "scoring_rate")
_RATIOS = {
    "selection_rate": "impact_ratio",
    "advance_rate": "advance_impact_ratio",
    "scoring_rate": "scoring_impact_ratio",
}


def _suppress(cells: list[dict[str, Any]], minimum: int) -> None:
    """Blank every cell with fewer than `minimum` candidates (but more than none). When that
    leaves exactly one blank cell, the total would give it away, so the next smallest shown
    cell is blanked too."""
    small = [c for c in cells if 0 < c["candidates"] < minimum]
    if len(small) == 1:
        shown = sorted(
            (c for c in cells if c["candidates"] >= minimum), key=lambda c: c["candidates"]
        )
        small.extend(shown[:1])
    for cell in small:
        cell["suppressed"] = True
        for name in _MEASURES_ALL:
            cell[name] = None


def _exact(group: dict[str, Any], rate: str) -> float | None:
    part, whole = group["_exact"][rate]
    return None if group["suppressed"] or not whole else float(part / whole)


def _ratios(groups: list[dict[str, Any]]) -> None:
    """Each reportable group's rates against the highest rate among them."""
    for rate, ratio in _RATIOS.items():
        known = [v for g in groups if (v := _exact(g, rate)) is not None]
        best = max(known, default=None)
        for group in groups:
            value = _exact(group, rate)
            group[ratio] = round(value / best, 4) if value is not None and best else None
    for group in groups:
        ratio = group["impact_ratio"]
        group["highest"] = ratio == 1.0
        group["below_four_fifths"] = None if ratio is None else ratio < FOUR_FIFTHS


def category_table(
    category: Category, outcomes: Sequence[Outcome], minimum: int, median: float | None
) -> dict[str, Any]:
    members: dict[str, list[Outcome]] = {key: [] for key, _ in category.groups}
    undisclosed: list[Outcome] = []
    for outcome in outcomes:
        group = category.group_of(outcome.answers)
        members.get(group or NOT_DISCLOSED, undisclosed).append(outcome)
    groups = [_cell(key, label, members[key], median) for key, label in category.groups]
    rest = _cell(NOT_DISCLOSED, "Not disclosed", undisclosed, median)
    _suppress([*groups, rest], minimum)
    _ratios(groups)
    for cell in (*groups, rest):
        del cell["_exact"]
    return {
        "category": category.key,
        "label": category.label,
        "groups": groups,
        "not_disclosed": rest,
        "suppressed_groups": sum(1 for g in groups if g["suppressed"]),
    }


def audit(outcomes: Sequence[Outcome], minimum: int) -> dict[str, Any]:
    """The totals and one table per category."""
    scores = [o.score for o in outcomes if o.score is not None]
    median = statistics.median(scores) if scores else None
    return {
        "totals": {
            "candidates": len(outcomes),
            "passed": sum(1 for o in outcomes if o.passed),
            "advanced": sum(1 for o in outcomes if o.advanced),
            "disclosed": sum(1 for o in outcomes if not o.answers.empty),
            "median_score": None if median is None else round(median, 2),
        },
        "min_group_size": minimum,
        "four_fifths_threshold": FOUR_FIFTHS,
        "categories": [category_table(c, outcomes, minimum, median) for c in CATEGORIES],
    }
