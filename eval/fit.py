"""Fit the offline scorer's calibration on the development set's **tune** split only.

    .venv/bin/python -m eval.fit [--write] [--lam 10]

For every tune transcript, read with and without the question→dimension mapping, each
dimension's features (`OfflineScorer.dimension_features`) are paired with its label. A ridge
regression on the standardised features gives a raw placement; a monotone piecewise-linear map
(isotonic regression of the labels on the raw placement, reduced to a few knots) stretches it
onto the whole 0-10 scale. Prints leave-one-role-out figures on the tune split (each role
scored by a calibration fitted on the other roles) — the honest check before the holdout;
`--write` writes the fit to src/vivavoce/scoring/calibration.py. The holdout is never read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from eval import dataset
from eval.metrics import Row, summarise

from vivavoce.scoring import calibration
from vivavoce.scoring.features import FEATURE_NAMES
from vivavoce.scoring.offline import shared

TARGET = Path(__file__).parents[1] / "src" / "vivavoce" / "scoring" / "calibration.py"
KNOT_COUNT = 7
# The direction each feature may push a score (0: either). A weight that comes out the other
# way is dropped and the rest refitted, so the fit stays readable and cannot learn, say, that
# hedging helps.
SIGNS: dict[str, int] = {
    "length": 0,
    "content": 1,
    "sentences": 1,
    "specifics": 1,
    "reasons": 1,
    "own_actions": 1,
    "anchor_high": 1,
    "anchor_low": -1,
    "anchor_share": 1,
    "specific_share": 1,
    "domain": 1,
    "domain_share": 1,
    "vague": -1,
    "question_overlap": 1,
    "hedges": -1,
    "generic": -1,
    "buzzwords": -1,
    "first_person": 0,
    "dont_know": -1,
    "relevance": 1,
    "question_relevance": 1,
    "answers": 1,
}

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Sample:
    case: dataset.Case
    dimension: str
    weight: float
    features: dict[str, float] | None  # None: no answer informed the dimension
    label: float


@dataclass(frozen=True)
class Fit:
    means: Array
    scales: Array
    weights: Array
    intercept: float
    knots: list[tuple[float, float]]

    def place(self, features: dict[str, float]) -> float:
        x = np.array([features[n] for n in FEATURE_NAMES])
        raw = self.intercept + float(((x - self.means) / self.scales) @ self.weights)
        return float(np.interp(raw, [k[0] for k in self.knots], [k[1] for k in self.knots]))


def samples(split: str = "tune") -> list[Sample]:
    assert split == "tune", "the calibration is fitted on the tune split only"
    scorer = shared()
    out = []
    for mapped in (True, False):
        for case in dataset.load(split, mapped=mapped):
            for dim, features in scorer.dimension_features(case.rubric, case.transcript):
                label = case.dimension_labels.get(dim.id)
                if label is not None:
                    out.append(Sample(case, dim.id, dim.weight, features, label))
    return out


def isotonic(x: Array, y: Array) -> tuple[Array, Array]:
    """Pool-adjacent-violators: the non-decreasing fit of y on x (x sorted)."""
    order = np.argsort(x)
    xs, ys = x[order], y[order]
    blocks: list[list[float]] = []  # [sum, count, x_sum]
    for xv, yv in zip(xs, ys, strict=True):
        blocks.append([float(yv), 1.0, float(xv)])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, c, xsum = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
            blocks[-1][2] += xsum
    return (
        np.array([b[2] / b[1] for b in blocks]),
        np.array([b[0] / b[1] for b in blocks]),
    )


def signed_ridge(z: Array, y: Array, lam: float) -> Array:
    """Ridge regression whose weights keep the signs SIGNS allows (others are dropped)."""
    active = list(range(z.shape[1]))
    while True:
        sub = z[:, active]
        solved = np.linalg.solve(sub.T @ sub + lam * np.eye(len(active)), sub.T @ y)
        wrong = [i for i, w in zip(active, solved, strict=True) if SIGNS[FEATURE_NAMES[i]] * w < 0]
        if not wrong:
            weights = np.zeros(z.shape[1])
            weights[active] = solved
            return weights
        active = [i for i in active if i not in wrong]


def fit(train: Sequence[Sample], lam: float) -> Fit:
    rows = [s for s in train if s.features is not None]
    x = np.array([[s.features[n] for n in FEATURE_NAMES] for s in rows if s.features])
    y = np.array([s.label for s in rows])
    means, scales = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - means) / scales
    weights = signed_ridge(z, y - y.mean(), lam)
    raw = y.mean() + z @ weights
    iso_x, iso_y = isotonic(raw, y)
    picks = np.unique(np.linspace(0, len(iso_x) - 1, KNOT_COUNT).round().astype(int))
    knots = [(float(iso_x[i]), float(iso_y[i])) for i in picks]
    return Fit(means, scales, weights, float(y.mean()), knots)


def rows_for(tests: Sequence[Sample], model: Fit) -> list[Row]:
    """Overall scores as the scorecard computes them (weighted mean of the dimensions)."""
    by_case: dict[tuple[str, bool], list[tuple[float, float]]] = {}
    cases: dict[tuple[str, bool], dataset.Case] = {}
    for s in tests:
        key = (s.case.id, s.case.mapped)
        placed = calibration.NO_EVIDENCE if s.features is None else model.place(s.features)
        by_case.setdefault(key, []).append((s.weight, min(10.0, max(0.0, round(placed, 1)))))
        cases[key] = s.case
    out = []
    for key, items in by_case.items():
        case = cases[key]
        score = round(sum(w * p for w, p in items) / sum(w for w, _ in items), 1)
        bar = case.rubric.pass_threshold
        out.append(
            Row(case.role, case.id, case.kind, case.genuine, case.label, score, bar, score >= bar)
        )
    return out


def cross_validate(data: Sequence[Sample], lam: float) -> list[Row]:
    roles = sorted({s.case.role for s in data})
    out: list[Row] = []
    for held in roles:
        model = fit([s for s in data if s.case.role != held], lam)
        out += rows_for([s for s in data if s.case.role == held], model)
    return out


def source(model: Fit) -> str:
    def floats(values: Sequence[float]) -> str:
        return "(" + ", ".join(f"{v:.4f}" for v in values) + ",)"

    knots = "(" + ", ".join(f"({a:.4f}, {b:.4f})" for a, b in model.knots) + ",)"
    return f'''"""Where a dimension's features place it on the 0-10 scale (pure).

GENERATED by `python -m eval.fit --write` from the development set's tune split (never its
holdout); docs/scoring.md ("Calibration") says what the features are and how this was fitted.
A dimension's raw placement is a weighted sum of its standardised features; a monotone
piecewise-linear map through KNOTS turns it into the score the labels give such evidence.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

NO_EVIDENCE = {calibration.NO_EVIDENCE!r}  # a dimension no answer informed
FEATURES: tuple[str, ...] = {tuple(FEATURE_NAMES)!r}
MEANS: tuple[float, ...] = {floats(model.means)}
SCALES: tuple[float, ...] = {floats(model.scales)}
WEIGHTS: tuple[float, ...] = {floats(model.weights)}
INTERCEPT = {model.intercept:.4f}
KNOTS: tuple[tuple[float, float], ...] = {knots}


def place(features: Mapping[str, float]) -> float:
    """The 0-10 score of a dimension with these features."""
    raw = INTERCEPT + sum(
        w * (features[name] - m) / s
        for name, m, s, w in zip(FEATURES, MEANS, SCALES, WEIGHTS, strict=True)
    )
    return min(10.0, max(0.0, piecewise(raw)))


def piecewise(x: float) -> float:
    """The monotone map through KNOTS, flat beyond its ends."""
    if x <= KNOTS[0][0]:
        return KNOTS[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(KNOTS):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1
    return KNOTS[-1][1]
'''


def report(title: str, rows: Sequence[Row]) -> None:
    s = summarise(rows)
    print(
        f"{title:<34} n={s.n:<4} rho={s.spearman:.3f} MAE={s.mae:.2f} verdicts={s.agreement:.1%} "
        f"gaming≥genuine={s.gaming_at_or_above}/{s.gaming} range={s.score_range}"
    )


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.fit")
    parser.add_argument("--lam", type=float, default=10.0)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    data = samples()
    for lam in sorted({args.lam, 1.0, 3.0, 10.0, 30.0, 100.0}):
        report(f"leave-one-role-out, lam={lam:g}", cross_validate(data, lam))
    model = fit(data, args.lam)
    report(f"in-sample, lam={args.lam:g}", rows_for(data, model))
    for name, w in sorted(zip(FEATURE_NAMES, model.weights, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:<20} {w:+.3f}")
    print("  knots:", [(round(a, 2), round(b, 2)) for a, b in model.knots])
    if args.write:
        TARGET.write_text(source(model), encoding="utf-8")
        print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
