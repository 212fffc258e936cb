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
import copy
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from eval import dataset
from eval.metrics import Row, summarise

from vivavoce.scoring import calibration, confidence
from vivavoce.scoring.features import FEATURE_NAMES, Placement, gated, on_topic
from vivavoce.scoring.offline import shared
from vivavoce.scoring.rubric import Rubric
from vivavoce.scoring.schemas import RubricIn

TARGET = Path(__file__).parents[1] / "src" / "vivavoce" / "scoring" / "calibration.py"
KNOT_COUNT = 11
TARGET_DEFAULT = "held"
# The direction each feature may push a score (0: either). A weight that comes out the other
# way is dropped and the rest refitted, so the fit stays readable and cannot learn, say, that
# hedging helps.
SIGNS: dict[str, int | None] = {
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
    "density": 1,
    "filler": -1,
    "causal": 1,
    "results": 1,
    "quantities": 1,
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
    level: confidence.Level  # the evidence confidence production gives this dimension
    stripped: bool = False  # read against the rubric without its anchors
    kept: float = 1.0  # what the confidence hold keeps of the score above the middle


def samples(split: str = "tune", *, terse: bool = True) -> list[Sample]:
    """Every labelled dimension of the split, read with and without the mapping; with
    `terse`, also read against the rubric without its anchors (the generic scale stands in),
    with the same labels: many real rubrics have no anchors, and the fit must not learn to
    need them."""
    assert split == "tune", "the calibration is fitted on the tune split only"
    scorer = shared()
    out = []
    for mapped in (True, False):
        for case in dataset.load(split, mapped=mapped):
            transcript = case.transcript
            rubrics = [(False, case.rubric)] + ([(True, without_anchors(case))] if terse else [])
            for stripped, rubric in rubrics:
                for dim, features, measured in scorer.dimension_features(rubric, transcript):
                    label = case.dimension_labels.get(dim.id)
                    if label is None:
                        continue
                    informing = [a for a in transcript.answers_for(dim.id) if a.text.strip()]
                    rated = confidence.assess(informing, measured)
                    out.append(
                        Sample(
                            case,
                            dim.id,
                            dim.weight,
                            features,
                            label,
                            rated.level,
                            stripped,
                            confidence.kept_above_middle(rated),
                        )
                    )
    return out


def without_anchors(case: dataset.Case) -> Rubric:
    body = copy.deepcopy(case.body["rubric"])
    for dimension in body["evaluationDimensions"]:
        dimension.pop("anchors", None)
    return RubricIn.model_validate(body).to_rubric()


def unheld(label: float, kept: float) -> float:
    """The placement that the confidence hold (keeping `kept` of the distance above the
    middle) turns into `label` (capped at 10)."""
    if label <= confidence.MIDDLE:
        return label
    return min(10.0, confidence.MIDDLE + (label - confidence.MIDDLE) / kept)


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
    active = [i for i in range(z.shape[1]) if SIGNS[FEATURE_NAMES[i]] is not None]
    while True:
        sub = z[:, active]
        solved = np.linalg.solve(sub.T @ sub + lam * np.eye(len(active)), sub.T @ y)
        wrong = [
            i for i, w in zip(active, solved, strict=True) if (SIGNS[FEATURE_NAMES[i]] or 0) * w < 0
        ]
        if not wrong:
            weights = np.zeros(z.shape[1])
            weights[active] = solved
            return weights
        active = [i for i in active if i not in wrong]


def fit(train: Sequence[Sample], lam: float, *, target: str = TARGET_DEFAULT) -> Placement:
    """The placement fitted on `train`. target "held": the labels as the held score should
    give them (the fit knows the confidence hold comes after it); "labels": the labels as
    they are."""
    rows = [s for s in train if s.features is not None]
    x = np.array([[s.features[n] for n in FEATURE_NAMES] for s in rows if s.features])
    if target == "held":
        y = np.array([unheld(s.label, s.kept) for s in rows])
    else:
        y = np.array([s.label for s in rows])
    means, scales = np.nanmean(x, axis=0), np.nanstd(x, axis=0) + 1e-6
    z = np.nan_to_num((x - means) / scales)  # an unknown feature sits at its mean
    weights = signed_ridge(z, y - y.mean(), lam)
    raw = y.mean() + z @ weights
    iso_x, iso_y = isotonic(raw, y)
    picks = np.unique(np.linspace(0, len(iso_x) - 1, KNOT_COUNT).round().astype(int))
    knots = tuple((float(iso_x[i]), float(iso_y[i])) for i in picks)
    return Placement(
        features=FEATURE_NAMES,
        means=tuple(float(v) for v in means),
        scales=tuple(float(v) for v in scales),
        weights=tuple(float(v) for v in weights),
        intercept=float(y.mean()),
        knots=knots,
    )


def rows_for(tests: Sequence[Sample], model: Placement) -> list[Row]:
    """Overall scores as the scorecard computes them: each dimension placed, held by its
    evidence confidence, then the weighted mean."""
    by_case: dict[tuple[str, bool, bool], list[tuple[float, float]]] = {}
    cases: dict[tuple[str, bool, bool], dataset.Case] = {}
    for s in tests:
        key = (s.case.id, s.case.mapped, s.stripped)
        placed = calibration.NO_EVIDENCE
        if s.features is not None:
            placed = gated(model.place(s.features), on_topic(s.features), placed)
        rated = confidence.Confidence(s.level, (), kept=s.kept)
        score = confidence.held(min(10.0, max(0.0, round(placed, 1))), rated)
        by_case.setdefault(key, []).append((s.weight, score))
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


def cross_validate(
    data: Sequence[Sample], lam: float, target: str, *, stripped: bool = False
) -> list[Row]:
    """Each role scored by a placement fitted on the other roles (both readings of their
    rubrics), on its rubric as written (or, `stripped`, without its anchors)."""
    roles = sorted({s.case.role for s in data})
    out: list[Row] = []
    for held_out in roles:
        model = fit([s for s in data if s.case.role != held_out], lam, target=target)
        tests = [s for s in data if s.case.role == held_out and s.stripped == stripped]
        out += rows_for(tests, model)
    return out


def source(model: Placement) -> str:
    """calibration.py for `model`, laid out as `ruff format` leaves it."""

    def rows(values: Sequence[str]) -> str:
        return "(\n" + "".join(f"    {v},\n" for v in values) + ")"

    def floats(values: Sequence[float]) -> str:
        return rows([f"{v:.4f}" for v in values])

    names = rows([repr(n).replace("'", '"') for n in model.features])
    knots = rows([f"({a:.4f}, {b:.4f})" for a, b in model.knots])
    return f'''"""The fitted constants that place a dimension's features on the 0-10 scale.

GENERATED by `python -m eval.fit --write` from the development set's tune split (never its
holdout); docs/scoring.md ("Calibration") says what the features are and how this was fitted,
and `features.Placement` how the constants are applied.
"""

from __future__ import annotations

from vivavoce.scoring.features import Placement

NO_EVIDENCE = {calibration.NO_EVIDENCE!r}  # a dimension no answer informed
FEATURES: tuple[str, ...] = {names}
MEANS: tuple[float, ...] = {floats(model.means)}
SCALES: tuple[float, ...] = {floats(model.scales)}
WEIGHTS: tuple[float, ...] = {floats(model.weights)}
INTERCEPT = {model.intercept:.4f}
KNOTS: tuple[tuple[float, float], ...] = {knots}

PLACEMENT = Placement(FEATURES, MEANS, SCALES, WEIGHTS, INTERCEPT, KNOTS)
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
    parser.add_argument("--target", choices=("held", "labels"), default=TARGET_DEFAULT)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    data = samples()
    for lam in sorted({args.lam, 1.0, 3.0, 10.0, 30.0, 100.0}):
        for target in ("held", "labels"):
            rows = cross_validate(data, lam, target)
            report(f"leave-one-role-out, lam={lam:g}, {target}", rows)
    model = fit(data, args.lam, target=args.target)
    report(f"in-sample, lam={args.lam:g}", rows_for(data, model))
    levels = {lv: sum(1 for s in data if s.level == lv) for lv in ("high", "medium", "low")}
    print("  confidence of the tune dimensions:", levels)
    for name, w in sorted(zip(FEATURE_NAMES, model.weights, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:<20} {w:+.3f}")
    print("  knots:", [(round(a, 2), round(b, 2)) for a, b in model.knots])
    if args.write:
        TARGET.write_text(source(model), encoding="utf-8")
        print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
