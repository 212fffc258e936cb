"""Agreement between a scorer and the labels (pure): rank correlation, error, verdicts, gaming."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One scored transcript."""

    role: str
    case_id: str
    kind: str
    genuine: bool
    label: float
    score: float
    bar: float  # the rubric's pass bar (0-10)
    passed: bool  # the scorer's verdict
    stood_in: bool = False  # the LLM judge was asked, and the offline scorer scored it

    @property
    def label_passes(self) -> bool:
        return self.label >= self.bar


@dataclass(frozen=True)
class Summary:
    n: int
    spearman: float
    mae: float
    agreement: float  # share of pass/fail verdicts that match the label's
    gaming_at_or_above: int  # gaming cases scored ≥ some genuine case labelled ≥ 6, same role
    gaming: int
    score_range: tuple[float, float]
    strong_rejected: int  # labelled to pass, scored to fail
    weak_passed: int  # labelled to fail, scored to pass


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else 0.0


def pairwise(labels: Sequence[float], scores: Sequence[float]) -> float:
    """Of all pairs with different labels, the share the scores order the same way (ties
    count half)."""
    right = total = 0.0
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            if labels[i] == labels[j]:
                continue
            total += 1
            agree = (labels[i] - labels[j]) * (scores[i] - scores[j])
            right += 1.0 if agree > 0 else 0.5 if agree == 0 else 0.0
    return right / total if total else 1.0


GENUINE_BAR = 6.0  # a gaming case must score below every genuine case labelled at least this


def gaming_at_or_above(rows: Sequence[Row]) -> list[Row]:
    """Gaming cases (genuine false) scored at or above a genuine case of the same role that
    is labelled ≥ 6."""
    lowest: dict[str, float] = {}
    for row in rows:
        if row.genuine and row.label >= GENUINE_BAR:
            lowest[row.role] = min(lowest.get(row.role, 11.0), row.score)
    return [r for r in rows if not r.genuine and r.score >= lowest.get(r.role, 11.0)]


def summarise(rows: Sequence[Row]) -> Summary:
    labels = [r.label for r in rows]
    scores = [r.score for r in rows]
    agree = sum(1 for r in rows if r.passed == r.label_passes)
    return Summary(
        n=len(rows),
        spearman=spearman(labels, scores) if len(rows) > 1 else 0.0,
        mae=sum(abs(r.score - r.label) for r in rows) / len(rows) if rows else 0.0,
        agreement=agree / len(rows) if rows else 0.0,
        gaming_at_or_above=len(gaming_at_or_above(rows)),
        gaming=sum(1 for r in rows if not r.genuine),
        score_range=(min(scores), max(scores)) if rows else (0.0, 0.0),
        strong_rejected=sum(1 for r in rows if r.label_passes and not r.passed),
        weak_passed=sum(1 for r in rows if r.passed and not r.label_passes),
    )


def by_role(rows: Sequence[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.role].append(row)
    return dict(grouped)


def by_kind(rows: Sequence[Row]) -> dict[str, tuple[int, float, float]]:
    """kind → (count, mean label, mean score)."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.kind].append(row)
    return {
        kind: (
            len(items),
            sum(r.label for r in items) / len(items),
            sum(r.score for r in items) / len(items),
        )
        for kind, items in sorted(grouped.items())
    }
