"""Check the scoring development set (eval/scoring/roles/*.json) and print what it holds.

Checks every role file against the agreed format: the rubric validates as vivavoce's RubricIn,
dimension ids are `dimension_id(name)`, transcript ids are unique, every question id exists,
labels are within 0-10 and `overall` is the weighted mean of the dimension labels (within 0.15),
splits are `tune`/`holdout` with about 35 % holdout per role, every kind is present and every
kind seen 3+ times in a role has a holdout case. Prints counts per role, kind and split and the
label distribution. Exit status 1 when anything is wrong.

    .venv/bin/python eval/scoring/check_set.py [roles_dir]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vivavoce.agent_profiles.schemas import dimension_id
from vivavoce.scoring.schemas import RubricIn

ROLES = Path(__file__).with_name("roles")
KINDS = (
    "exceptional", "strong", "good", "mediocre", "weak", "very_weak", "concise_expert",
    "dont_know", "off_topic", "padding", "keyword_stuffing", "injection", "pasted_generic",
    "voice_asr", "mixed",
)  # fmt: skip
QUESTION_KINDS = {"behavioural", "situational", "technical", "design", "motivation"}
HOLDOUT_SHARE = (0.25, 0.45)
OVERALL_TOLERANCE = 0.15
BUCKETS = ((0, 2), (2, 4), (4, 6), (6, 7), (7, 8), (8, 9), (9, 10.01))


def check_rubric(body: dict[str, Any], problems: list[str]) -> dict[str, float]:
    """The dimension weights by id, after validating the rubric as the product would."""
    try:
        rubric = RubricIn.model_validate(body["rubric"])
    except (ValidationError, KeyError) as error:
        problems.append(f"rubric does not validate: {error}")
        raw = body.get("rubric", {}).get("evaluationDimensions", [])
        return {dimension_id(d.get("name", "")): d.get("weight", 0) for d in raw}
    return {dimension_id(d.name): d.weight for d in rubric.evaluationDimensions}


def check_questions(
    body: dict[str, Any], weights: dict[str, float], problems: list[str]
) -> set[str]:
    ids: set[str] = set()
    for question in body.get("questions", []):
        qid = question.get("id")
        if qid in ids:
            problems.append(f"question id {qid!r} repeated")
        ids.add(qid)
        if not question.get("text"):
            problems.append(f"question {qid}: no text")
        if question.get("kind") not in QUESTION_KINDS:
            problems.append(f"question {qid}: kind {question.get('kind')!r}")
        unknown = set(question.get("dimensions", [])) - set(weights)
        if unknown or not question.get("dimensions"):
            problems.append(f"question {qid}: dimensions {sorted(unknown) or 'missing'}")
    covered = {d for q in body.get("questions", []) for d in q.get("dimensions", [])}
    if set(weights) - covered:
        problems.append(f"no question informs {sorted(set(weights) - covered)}")
    return ids


def check_turns(
    tid: str, turns: list[dict[str, Any]], question_ids: set[str], problems: list[str]
) -> None:
    asked = set()
    for n, turn in enumerate(turns):
        where = f"{tid} turn {n}"
        speaker = turn.get("speaker")
        if speaker not in ("ai", "participant") or not isinstance(turn.get("text"), str):
            problems.append(f"{where}: speaker {speaker!r} or text missing")
            continue
        if speaker == "ai":
            qid = turn.get("question_id")
            if qid is not None and qid not in question_ids:
                problems.append(f"{where}: unknown question_id {qid!r}")
            asked.add(qid)
        elif "words" in turn:
            check_words(where, turn, problems)
    asked.discard(None)
    if not 3 <= len(asked) <= 5:
        problems.append(f"{tid}: {len(asked)} questions asked (3-5 expected)")
    if not any(t.get("speaker") == "participant" for t in turns):
        problems.append(f"{tid}: no candidate turn")


def check_words(where: str, turn: dict[str, Any], problems: list[str]) -> None:
    words = turn["words"]
    valid = all(
        isinstance(w, list) and len(w) == 2 and isinstance(w[0], str) and 0 <= w[1] <= 1
        for w in words
    )
    if not valid or not words:
        problems.append(f"{where}: words must be [word, confidence 0-1] pairs")


def check_labels(
    tid: str, labels: dict[str, Any], weights: dict[str, float], problems: list[str]
) -> None:
    dims = labels.get("dimensions", {})
    if set(dims) != set(weights):
        problems.append(f"{tid}: label dimensions {sorted(dims)} != rubric {sorted(weights)}")
        return
    values = [*dims.values(), labels.get("overall")]
    if not all(isinstance(v, int | float) and 0 <= v <= 10 for v in values):
        problems.append(f"{tid}: labels outside 0-10")
        return
    mean = sum(weights[d] * v for d, v in dims.items()) / sum(weights.values())
    if abs(mean - labels["overall"]) > OVERALL_TOLERANCE:
        problems.append(f"{tid}: overall {labels['overall']} but the weighted mean is {mean:.2f}")


def check_transcript(
    t: dict[str, Any], weights: dict[str, float], question_ids: set[str], problems: list[str]
) -> None:
    tid = t.get("id", "?")
    if t.get("split") not in ("tune", "holdout"):
        problems.append(f"{tid}: split {t.get('split')!r}")
    if t.get("kind") not in KINDS:
        problems.append(f"{tid}: kind {t.get('kind')!r}")
    if not isinstance(t.get("genuine"), bool):
        problems.append(f"{tid}: genuine must be true or false")
    if not t.get("rationale"):
        problems.append(f"{tid}: no rationale")
    check_labels(tid, t.get("labels", {}), weights, problems)
    check_turns(tid, t.get("turns", []), question_ids, problems)


def check_coverage(role: str, transcripts: list[dict[str, Any]], problems: list[str]) -> None:
    kinds = Counter(t.get("kind") for t in transcripts)
    missing = [k for k in KINDS if not kinds[k]]
    if missing:
        problems.append(f"{role}: kinds missing {missing}")
    holdout_kinds = {t.get("kind") for t in transcripts if t.get("split") == "holdout"}
    for kind, count in kinds.items():
        if count >= 3 and kind not in holdout_kinds:
            problems.append(f"{role}: {count} {kind} transcripts, none in the holdout")
    share = sum(t.get("split") == "holdout" for t in transcripts) / max(len(transcripts), 1)
    if not HOLDOUT_SHARE[0] <= share <= HOLDOUT_SHARE[1]:
        problems.append(f"{role}: holdout share {share:.0%} (about 35 % expected)")


def check_file(path: Path, seen_ids: set[str], problems: list[str]) -> list[dict[str, Any]]:
    body = json.loads(path.read_text(encoding="utf-8"))
    role = body.get("role")
    before = len(problems)
    if role != path.stem:
        problems.append(f"role {role!r} is not the file name")
    if not isinstance(body.get("software"), bool) or not body.get("title"):
        problems.append("title or software missing")
    weights = check_rubric(body, problems)
    question_ids = check_questions(body, weights, problems)
    transcripts = body.get("transcripts", [])
    for t in transcripts:
        if t.get("id") in seen_ids:
            problems.append(f"transcript id {t.get('id')!r} repeated")
        seen_ids.add(t.get("id"))
        check_transcript(t, weights, question_ids, problems)
    check_coverage(path.stem, transcripts, problems)
    problems[before:] = [f"{path.name}: {p}" for p in problems[before:]]
    return transcripts


def print_counts(by_role: dict[str, list[dict[str, Any]]]) -> None:
    every = [t for ts in by_role.values() for t in ts]
    print(f"{'kind':<18}" + "".join(f"{r[:16]:>18}" for r in by_role) + f"{'all':>10}")
    for kind in KINDS:
        cells = []
        for ts in by_role.values():
            tune = sum(t["kind"] == kind and t["split"] == "tune" for t in ts)
            hold = sum(t["kind"] == kind and t["split"] == "holdout" for t in ts)
            cells.append(f"{tune:>3} tune {hold:>2} hold")
        print(
            f"{kind:<18}"
            + "".join(f"{c:>18}" for c in cells)
            + f"{sum(t['kind'] == kind for t in every):>10}"
        )
    totals = [
        f"{len(ts)} ({sum(t['split'] == 'holdout' for t in ts)} hold)" for ts in by_role.values()
    ]
    print(f"{'total':<18}" + "".join(f"{c:>18}" for c in totals) + f"{len(every):>10}")


def print_distribution(by_role: dict[str, list[dict[str, Any]]]) -> None:
    every = [t for ts in by_role.values() for t in ts]
    print("\noverall labels (genuine / gaming):")
    for low, high in BUCKETS:
        inside = [t for t in every if low <= t["labels"]["overall"] < high]
        genuine = sum(t["genuine"] for t in inside)
        gaming = len(inside) - genuine
        print(
            f"  {low:>4g}-{min(high, 10):<4g} {len(inside):>4} ({genuine} genuine, {gaming} gaming)"
        )
    for split in ("tune", "holdout"):
        part = [t for t in every if t["split"] == split]
        passing = sum(t["labels"]["overall"] >= 7.0 for t in part)
        print(f"  {split}: {len(part)} transcripts, {passing} at or above 7.0")


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else ROLES
    problems: list[str] = []
    seen: set[str] = set()
    by_role = {p.stem: check_file(p, seen, problems) for p in sorted(folder.glob("*.json"))}
    if not by_role:
        problems.append(f"no role files in {folder}")
    if problems:
        print("\n".join(problems))
        return 1
    print_counts(by_role)
    print_distribution(by_role)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
