"""`make eval`: how well each scorer agrees with the labelled development set.

The headline is the holdout of `eval/scoring/roles/*.json` (docs/scoring.md, "Evaluation"):
overall and per role, Spearman rho between scores and labels, mean absolute error, pass/fail
agreement (label ≥ the rubric's bar vs the scorecard's `passed`), gaming cases scored at or
above a genuine case labelled ≥ 6 of the same role, and mean score against mean label per
kind — each with the question→dimension mapping on the interviewer's turns and without it.
Transcripts are scored through the preview path (schema, rubric, `scoring.service.evaluate`),
as a calibration request would be. `--split tune` reports on the tuning part instead; only
there may `--cases` print case by case. The single answers of eval/cases.json follow.

The offline scorer always runs; the LLM judge runs when VIVAVOCE_LLM_BASE_URL is set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval import dataset
from eval.metrics import Row, by_kind, by_role, gaming_at_or_above, pairwise, spearman, summarise

from vivavoce.config import Settings
from vivavoce.interviewer.providers.failures import ProviderUnavailable
from vivavoce.scoring import service
from vivavoce.scoring.schemas import RubricIn
from vivavoce.scoring.transcript import ScoringTurn, build

CASES = Path(__file__).with_name("cases.json")
LLM_CONCURRENCY = 4


async def score_case(case: dataset.Case, settings: Settings, scorer: str) -> Row:
    request = case.request
    rubric = case.rubric
    transcript = request.transcript.to_transcript()
    try:
        card = await service.evaluate(
            rubric, transcript, settings, language=request.language, scorer=scorer
        )
    except ProviderUnavailable:  # the scoring job would retry later; here the offline scorer
        card = await service.evaluate(rubric, transcript, settings, language=request.language)
    return Row(
        role=case.role,
        case_id=case.id,
        kind=case.kind,
        genuine=case.genuine,
        label=case.label,
        score=float(card.score),
        bar=rubric.pass_threshold,
        passed=card.passed,
        stood_in=scorer == "llm" and card.scorer != "llm",
    )


async def score_set(cases: Sequence[dataset.Case], settings: Settings, scorer: str) -> list[Row]:
    """Every case scored by `scorer`; the LLM judge takes a few at a time."""
    if scorer != "llm":
        return [await score_case(case, settings, scorer) for case in cases]
    gate = asyncio.Semaphore(LLM_CONCURRENCY)
    done = 0

    async def one(case: dataset.Case) -> Row:
        nonlocal done
        async with gate:
            row = await score_case(case, settings, scorer)
        done += 1
        print(f"  {scorer}: {done} of {len(cases)} scored", file=sys.stderr, flush=True)
        return row

    return list(await asyncio.gather(*(one(c) for c in cases)))


def print_summary(title: str, rows: Sequence[Row]) -> None:
    print(f"\n{title}")
    print(
        f"{'set':<22} {'n':>4} {'spearman':>9} {'MAE':>6} {'verdicts':>9} {'gaming≥':>8} "
        f"{'range':>11} {'strong✗':>8} {'weak✓':>6}"
    )
    groups = [*sorted(by_role(rows).items()), ("all", list(rows))]
    for name, items in groups:
        s = summarise(items)
        low, high = s.score_range
        print(
            f"{name:<22} {s.n:>4} {s.spearman:>9.3f} {s.mae:>6.2f} {s.agreement:>8.1%} "
            f"{s.gaming_at_or_above:>4}/{s.gaming:<3} {low:>5.1f}-{high:<5.1f} "
            f"{s.strong_rejected:>8} {s.weak_passed:>6}"
        )
    stood_in = sum(1 for r in rows if r.stood_in)
    if stood_in:
        print(f"the offline scorer stood in for the LLM judge on {stood_in} of {len(rows)}")
    print(f"\n{'kind':<18} {'n':>3} {'label':>6} {'score':>6}")
    for kind, (count, label, score) in by_kind(rows).items():
        print(f"{kind:<18} {count:>3} {label:>6.2f} {score:>6.2f}")


def print_cases(rows: Sequence[Row]) -> None:
    flagged = {r.case_id for r in gaming_at_or_above(rows)}
    print(f"\n{'case':<30} {'kind':<17} {'label':>5} {'score':>5} {'err':>5}  verdict")
    for r in sorted(rows, key=lambda r: (r.role, r.label)):
        verdict = "ok"
        if r.passed != r.label_passes:
            verdict = "REJECTED" if r.label_passes else "PASSED"
        gaming = "  GAMING≥GENUINE" if r.case_id in flagged else ""
        print(
            f"{r.case_id:<30} {r.kind:<17} {r.label:>5.1f} {r.score:>5.1f} "
            f"{r.score - r.label:>+5.1f}  {verdict}{gaming}"
        )


async def score_answers(settings: Settings, scorer: str) -> list[dict[str, Any]]:
    """The single labelled answers of eval/cases.json (one question per role)."""
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
                {"role": role, "label": float(answer["label"]), "score": card.breakdown[0].score}
            )
    return rows


def print_answers(rows: list[dict[str, Any]]) -> None:
    roles = sorted({r["role"] for r in rows})
    print("\nsingle answers (eval/cases.json), first dimension:")
    print(f"{'set':<10} {'spearman':>9} {'pairwise':>9}")
    for role in [*roles, "all"]:
        items = [r for r in rows if role in ("all", r["role"])]
        ls, ss = [r["label"] for r in items], [r["score"] for r in items]
        print(f"{role:<10} {spearman(ls, ss):>9.3f} {pairwise(ls, ss):>9.3f}")


def readings(choice: str) -> tuple[bool, ...]:
    return {"mapped": (True,), "unmapped": (False,), "both": (True, False)}[choice]


def spread(cases: Sequence[dataset.Case], per_role: int | None) -> list[dataset.Case]:
    """`per_role` cases of each role, evenly spaced in file order (all of them without it):
    a subset picked by position, never by what a case holds."""
    if not per_role:
        return list(cases)
    out = []
    for role in dict.fromkeys(c.role for c in cases):
        mine = [c for c in cases if c.role == role]
        picks = sorted({round(i * (len(mine) - 1) / max(1, per_role - 1)) for i in range(per_role)})
        out += [mine[i] for i in picks if i < len(mine)]
    return out


def arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make eval", description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=dataset.SPLITS, default="holdout")
    parser.add_argument("--scorer", choices=("offline", "llm"), action="append")
    parser.add_argument("--cases", action="store_true", help="print every case (tune only)")
    parser.add_argument("--no-answers", action="store_true", help="skip eval/cases.json")
    parser.add_argument(
        "--reading",
        choices=("mapped", "unmapped", "both"),
        default="both",
        help="with the question→dimension mapping, without it, or both",
    )
    parser.add_argument(
        "--per-role",
        type=int,
        metavar="N",
        help="score N transcripts of each role, evenly spread over its file (a slow judge)",
    )
    args = parser.parse_args(argv)
    if args.cases and args.split != "tune":
        parser.error("--cases prints case by case, which only the tune split may do")
    return args


async def main(argv: Sequence[str]) -> int:
    args = arguments(argv)
    settings = Settings()
    scorers = args.scorer or ["offline"] + (["llm"] if settings.llm_base_url else [])
    if "llm" in scorers and not settings.llm_base_url:
        print("the LLM judge needs VIVAVOCE_LLM_BASE_URL", file=sys.stderr)
        return 2
    for scorer in scorers:
        for mapped in readings(args.reading):
            cases = spread(dataset.load(args.split, mapped=mapped), args.per_role)
            if not cases:
                print(f"no {args.split} transcripts in {dataset.ROLES}", file=sys.stderr)
                break
            started = time.perf_counter()
            rows = await score_set(cases, settings, scorer)
            mapping = "with" if mapped else "without"
            print_summary(
                f"## {scorer} scorer, {args.split} split, {mapping} the question→dimension "
                f"mapping ({len(rows)} transcripts, {time.perf_counter() - started:.1f} s)",
                rows,
            )
            if args.cases:
                print_cases(rows)
        if not args.no_answers:
            print_answers(await score_answers(settings, scorer))
    if not settings.llm_base_url:
        print("\n(set VIVAVOCE_LLM_BASE_URL to evaluate the LLM judge too)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
