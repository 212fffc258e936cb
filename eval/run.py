"""`make eval`: how well each scorer agrees with the labelled answers in eval/cases.json.

Prints, per scorer, the Spearman rank correlation between scores and labels and the pairwise
ranking accuracy (of all pairs of answers to the same question with different labels, the
share the scorer puts in the same order; a tie counts half), overall and per role, and the
score each kind of answer got. The offline scorer always runs; the LLM judge runs when
VIVAVOCE_LLM_BASE_URL is set.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from vivavoce.config import Settings
from vivavoce.scoring import service
from vivavoce.scoring.schemas import RubricIn
from vivavoce.scoring.transcript import ScoringTurn, build

CASES = Path(__file__).with_name("cases.json")


def ranks(values: list[float]) -> list[float]:
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


def spearman(xs: list[float], ys: list[float]) -> float:
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else 0.0


def pairwise(labels: list[float], scores: list[float]) -> float:
    right = total = 0.0
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            if labels[i] == labels[j]:
                continue
            total += 1
            agree = (labels[i] - labels[j]) * (scores[i] - scores[j])
            right += 1.0 if agree > 0 else 0.5 if agree == 0 else 0.0
    return right / total if total else 1.0


async def score_all(settings: Settings, scorer: str) -> list[dict[str, Any]]:
    data = json.loads(CASES.read_text())
    rows = []
    for role, spec in data["roles"].items():
        rubric = RubricIn.model_validate(spec["rubric"]).to_rubric()
        first = rubric.dimensions[0].id
        for answer in spec["answers"]:
            transcript = build(
                [
                    ScoringTurn(0, "ai", spec["question"], "q1", (first,)),
                    ScoringTurn(1, "participant", answer["text"]),
                ]
            )
            card = await service.evaluate(rubric, transcript, settings, scorer=scorer)
            rows.append(
                {
                    "role": role,
                    "kind": answer["kind"],
                    "label": float(answer["label"]),
                    "score": card.breakdown[0].score,
                }
            )
    return rows


def report(scorer: str, rows: list[dict[str, Any]], seconds: float) -> None:
    labels = [r["label"] for r in rows]
    scores = [r["score"] for r in rows]
    print(f"\n## scorer: {scorer}  ({len(rows)} answers, {seconds:.1f} s)")
    print(f"{'set':<10} {'spearman':>9} {'pairwise':>9}")
    by_role: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_role[row["role"]].append(row)
    for role, items in by_role.items():
        ls, ss = [r["label"] for r in items], [r["score"] for r in items]
        print(f"{role:<10} {spearman(ls, ss):>9.3f} {pairwise(ls, ss):>9.3f}")
    pair_right = [
        pairwise([r["label"] for r in v], [r["score"] for r in v]) for v in by_role.values()
    ]
    print(f"{'all':<10} {spearman(labels, scores):>9.3f} {sum(pair_right) / len(pair_right):>9.3f}")
    print("\nscore by kind of answer (mean over roles):")
    kinds: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        kinds[row["kind"]].append(row["score"])
    for kind, values in kinds.items():
        label = next(r["label"] for r in rows if r["kind"] == kind)
        print(f"  {kind:<15} label {label:>4.1f}  score {sum(values) / len(values):>4.1f}")


async def main() -> int:
    settings = Settings()
    scorers = ["offline"] + (["llm"] if settings.llm_base_url else [])
    for scorer in scorers:
        started = time.perf_counter()
        rows = await score_all(settings, scorer)
        report(scorer, rows, time.perf_counter() - started)
    if not settings.llm_base_url:
        print("\n(set VIVAVOCE_LLM_BASE_URL to evaluate the LLM judge too)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
