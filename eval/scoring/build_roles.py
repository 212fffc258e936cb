"""Build eval/scoring/roles/<role>.json from its hand-written source under eval/scoring/sources/.

A source is two files: `<role>.head.json` (role, title, software, rubric, questions) and
`<role>.txt`, the transcripts in a plain-text layout that keeps long answers readable:

    === kind=strong split=tune genuine=true
    labels: discovery=8 objection_handling=7.5
    rationale: why these labels, against which anchors
    Q q1                 the interviewer asks question q1 (its text from the head file)
    A answer text        the candidate's answer, one line
    F q1 follow-up text  an interviewer follow-up on q1
    A answer text

Every candidate turn of a `voice_asr` transcript gets a `words` list (the recogniser's word
confidences, in order); a word it was unsure of is written `{word}` and gets a low one.
`overall` is computed as the weight-averaged dimension labels, rounded to one decimal (the
agreed format).

Usage: python eval/scoring/build_roles.py [role ...]   (default: every source)
"""

from __future__ import annotations

import json
import random
import re
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from vivavoce.agent_profiles.schemas import dimension_id

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
ROLES = HERE / "roles"
UNSURE = re.compile(r"\{([^{}]+)\}")


def weighted_overall(labels: dict[str, float], weights: dict[str, float]) -> float:
    total = sum(weights.values())
    mean = sum(labels[d] * w for d, w in weights.items()) / total
    return float(Decimal(str(mean)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def voice_words(text: str, rng: random.Random) -> tuple[str, list[list[Any]]]:
    """The plain text and the recogniser's (word, confidence) list for a `{word}`-marked turn."""
    words: list[list[Any]] = []
    for token in text.split():
        unsure = UNSURE.search(token) is not None
        word = UNSURE.sub(r"\1", token)
        bare = word.strip(".,?!;:\"'")
        if not bare:
            continue
        confidence = rng.uniform(0.18, 0.49) if unsure else rng.uniform(0.84, 0.99)
        words.append([bare, round(confidence, 2)])
    return UNSURE.sub(r"\1", text), words


def parse_header(line: str) -> dict[str, Any]:
    fields = dict(part.split("=", 1) for part in line.removeprefix("===").split())
    return {
        "split": fields["split"],
        "kind": fields["kind"],
        "genuine": fields["genuine"] == "true",
    }


def parse_labels(line: str) -> dict[str, float]:
    pairs = (part.split("=", 1) for part in line.removeprefix("labels:").split())
    return {dim: float(value) for dim, value in pairs}


def parse_turn(line: str, questions: dict[str, str], voice: random.Random | None) -> dict[str, Any]:
    """One turn; `voice` (the recogniser's confidence source) is given for voice transcripts."""
    tag, _, rest = line.partition(" ")
    if tag == "Q":
        qid = rest.strip()
        return {"speaker": "ai", "text": questions[qid], "question_id": qid}
    if tag == "F":
        qid, _, text = rest.partition(" ")
        return {"speaker": "ai", "text": text.strip(), "question_id": qid}
    if tag == "A":
        turn: dict[str, Any] = {"speaker": "participant", "text": rest.strip()}
        if voice is not None:
            turn["text"], turn["words"] = voice_words(rest.strip(), voice)
        return turn
    raise ValueError(f"unknown line: {line[:60]!r}")


def parse_transcripts(text: str, head: dict[str, Any]) -> list[dict[str, Any]]:
    questions = {q["id"]: q["text"] for q in head["questions"]}
    weights = {
        dimension_id(d["name"]): float(d["weight"]) for d in head["rubric"]["evaluationDimensions"]
    }
    rng = random.Random(head["role"])  # noqa: S311 - reproducible made-up confidences, no secret
    transcripts: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("==="):
            number = len(transcripts) + 1
            current = {"id": f"{head['role']}-{number:03d}", **parse_header(line)}
            current["turns"] = []
            transcripts.append(current)
        elif current is None:
            raise ValueError("text before the first === header")
        elif line.startswith("labels:"):
            dims = parse_labels(line)
            current["labels"] = {"dimensions": dims, "overall": weighted_overall(dims, weights)}
        elif line.startswith("rationale:"):
            current["rationale"] = line.removeprefix("rationale:").strip()
        else:
            voice = rng if current["kind"] == "voice_asr" else None
            current["turns"].append(parse_turn(line, questions, voice))
    return [_ordered(t) for t in transcripts]


def _ordered(transcript: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "split", "kind", "genuine", "labels", "rationale", "turns")
    return {key: transcript[key] for key in keys}


def build(role: str) -> Path:
    head = json.loads((SOURCES / f"{role}.head.json").read_text(encoding="utf-8"))
    body = (SOURCES / f"{role}.txt").read_text(encoding="utf-8")
    document = {**head, "transcripts": parse_transcripts(body, head)}
    ROLES.mkdir(exist_ok=True)
    target = ROLES / f"{role}.json"
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def main(argv: list[str]) -> None:
    roles = argv or sorted(p.name.removesuffix(".head.json") for p in SOURCES.glob("*.head.json"))
    for role in roles:
        print(f"wrote {build(role).relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main(sys.argv[1:])
