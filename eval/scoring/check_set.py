"""Check every role file of the scoring development set against the agreed format.

Usage: .venv/bin/python eval/scoring/check_set.py [roles/<role>.json ...]
Exits 1 and lists the problems when a file breaks the format; prints counts per role, kind
and split and the label distribution either way. The format is the one the team agreed
(dataset_format.md): one JSON file per role under eval/scoring/roles/.
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

ROLES = Path(__file__).resolve().parent / "roles"
KINDS = [
    "exceptional",
    "strong",
    "good",
    "mediocre",
    "weak",
    "very_weak",
    "concise_expert",
    "dont_know",
    "off_topic",
    "padding",
    "keyword_stuffing",
    "injection",
    "pasted_generic",
    "voice_asr",
    "mixed",
]
QUESTION_KINDS = {"behavioural", "situational", "technical", "design", "motivation"}
HOLDOUT_SHARE = (0.30, 0.40)
MIN_TRANSCRIPTS = 27
OVERALL_TOLERANCE = 0.15


def rubric_problems(document: dict[str, Any]) -> tuple[list[str], dict[str, float]]:
    try:
        RubricIn.model_validate(document["rubric"])
    except ValidationError as error:
        return [f"rubric is not a valid RubricIn: {error}"], {}
    dims = document["rubric"]["evaluationDimensions"]
    return [], {dimension_id(d["name"]): float(d["weight"]) for d in dims}


def question_problems(document: dict[str, Any], weights: dict[str, float]) -> list[str]:
    problems = []
    ids = [q["id"] for q in document["questions"]]
    if len(ids) != len(set(ids)):
        problems.append("question ids are not unique")
    if not 4 <= len(ids) <= 6:
        problems.append(f"{len(ids)} questions (want 4-6)")
    for question in document["questions"]:
        unknown = set(question["dimensions"]) - set(weights)
        if unknown or not question["dimensions"]:
            problems.append(f"question {question['id']}: dimensions {sorted(unknown)} unknown")
        if question["kind"] not in QUESTION_KINDS:
            problems.append(f"question {question['id']}: kind {question['kind']!r}")
    return problems


def label_problems(transcript: dict[str, Any], weights: dict[str, float]) -> list[str]:
    labels = transcript["labels"]
    dims = labels["dimensions"]
    if set(dims) != set(weights):
        return [f"label dimensions {sorted(dims)} are not the rubric's {sorted(weights)}"]
    values = [*dims.values(), labels["overall"]]
    if any(not 0 <= value <= 10 for value in values):
        return ["a label is outside 0-10"]
    mean = sum(dims[d] * w for d, w in weights.items()) / sum(weights.values())
    if abs(mean - labels["overall"]) > OVERALL_TOLERANCE:
        return [f"overall {labels['overall']} is not the weighted mean {mean:.2f}"]
    return []


def turn_problems(transcript: dict[str, Any], question_ids: set[str]) -> list[str]:
    problems = []
    turns = transcript["turns"]
    asked = {t.get("question_id") for t in turns if t["speaker"] == "ai"}
    if not asked <= question_ids:
        problems.append(f"unknown question ids {sorted(asked - question_ids - {None})}")
    if not 3 <= len(asked) <= 5:
        problems.append(f"{len(asked)} questions asked (want 3-5)")
    for turn in turns:
        if turn["speaker"] not in ("ai", "participant") or not turn["text"].strip():
            problems.append("a turn has a bad speaker or empty text")
        words = turn.get("words")
        if words is not None and (
            turn["speaker"] != "participant"
            or any(not (isinstance(w, str) and 0 <= c <= 1) for w, c in words)
        ):
            problems.append("a words list is malformed")
    if transcript["kind"] == "voice_asr" and not any("words" in t for t in turns):
        problems.append("voice_asr transcript without word confidences")
    return problems


def transcript_problems(
    transcript: dict[str, Any], weights: dict[str, float], question_ids: set[str]
) -> list[str]:
    problems = []
    if transcript["split"] not in ("tune", "holdout"):
        problems.append(f"split {transcript['split']!r}")
    if transcript["kind"] not in KINDS:
        problems.append(f"kind {transcript['kind']!r}")
    if not isinstance(transcript["genuine"], bool) or not transcript["rationale"].strip():
        problems.append("genuine must be a bool and rationale non-empty")
    problems += label_problems(transcript, weights)
    problems += turn_problems(transcript, question_ids)
    return [f"{transcript['id']}: {p}" for p in problems]


def coverage_problems(transcripts: list[dict[str, Any]]) -> list[str]:
    problems = []
    kinds = Counter(t["kind"] for t in transcripts)
    if missing := [k for k in KINDS if not kinds[k]]:
        problems.append(f"kinds missing: {missing}")
    if len(transcripts) < MIN_TRANSCRIPTS:
        problems.append(f"{len(transcripts)} transcripts (want at least {MIN_TRANSCRIPTS})")
    holdout = [t for t in transcripts if t["split"] == "holdout"]
    share = len(holdout) / max(len(transcripts), 1)
    if not HOLDOUT_SHARE[0] <= share <= HOLDOUT_SHARE[1]:
        problems.append(f"holdout share {share:.0%} (want about 35%)")
    held_kinds = {t["kind"] for t in holdout}
    if unheld := [k for k, n in kinds.items() if n >= 3 and k not in held_kinds]:
        problems.append(f"kinds with 3+ cases but no holdout case: {unheld}")
    return problems


def check(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if document["role"] != path.stem:
        return [f"role {document['role']!r} is not the file name"], []
    problems, weights = rubric_problems(document)
    if problems:
        return problems, []
    problems += question_problems(document, weights)
    transcripts = document["transcripts"]
    ids = [t["id"] for t in transcripts]
    if len(ids) != len(set(ids)):
        problems.append("transcript ids are not unique")
    question_ids = {q["id"] for q in document["questions"]}
    for transcript in transcripts:
        problems += transcript_problems(transcript, weights, question_ids)
    problems += coverage_problems(transcripts)
    return problems, transcripts


def print_counts(role: str, transcripts: list[dict[str, Any]]) -> None:
    splits = Counter(t["split"] for t in transcripts)
    print(
        f"\n{role}: {len(transcripts)} transcripts — tune {splits['tune']}, "
        f"holdout {splits['holdout']}"
    )
    by_kind = Counter((t["kind"], t["split"]) for t in transcripts)
    for kind in KINDS:
        tune, holdout = by_kind[(kind, "tune")], by_kind[(kind, "holdout")]
        overall = sorted(t["labels"]["overall"] for t in transcripts if t["kind"] == kind)
        print(f"  {kind:17} tune {tune}  holdout {holdout}  overall {overall}")


def print_distribution(transcripts: list[dict[str, Any]]) -> None:
    bands = Counter(min(int(t["labels"]["overall"]), 9) for t in transcripts)
    print("\noverall labels by band (all roles):")
    for band in range(10):
        print(f"  {band}-{band + 1}: {bands[band]:3}  {'#' * bands[band]}")
    genuine_pass = sum(t["genuine"] and t["labels"]["overall"] >= 7.0 for t in transcripts)
    print(
        f"  genuine at or above 7.0: {genuine_pass}; "
        f"gaming (genuine=false): {sum(not t['genuine'] for t in transcripts)}"
    )


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(ROLES.glob("*.json"))
    every: list[dict[str, Any]] = []
    failed = False
    for path in paths:
        problems, transcripts = check(path)
        for problem in problems:
            print(f"{path.name}: {problem}")
        failed = failed or bool(problems)
        print_counts(path.stem, transcripts)
        every += transcripts
    print_distribution(every)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
