"""The scoring development set: `eval/scoring/roles/<role>.json` (format in docs/scoring.md,
"The development set").

Each labelled transcript becomes the body of a rubric preview (`POST /evaluations/preview`:
an inline rubric and a transcript), validated by the same schema the API uses, so `make eval`
scores exactly what a calibration request would. A transcript is scored twice: *mapped*, with
the role's question→dimension mapping on the interviewer's turns (as the live plan gives it),
and *unmapped*, with question ids and dimensions stripped (as most calibration files come).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vivavoce.scoring.rubric import Rubric
from vivavoce.scoring.schemas import PreviewRequest, TurnIn
from vivavoce.scoring.transcript import Transcript

ROLES = Path(__file__).parent / "scoring" / "roles"
SPLITS = ("tune", "holdout")


@dataclass(frozen=True)
class Case:
    """One labelled transcript, ready to score."""

    role: str
    id: str
    split: str
    kind: str
    genuine: bool
    label: float  # labels.overall
    dimension_labels: dict[str, float]
    software: bool
    mapped: bool  # the interviewer's turns carry the question→dimension mapping
    body: dict[str, Any]  # the preview request, mapped or not

    @property
    def request(self) -> PreviewRequest:
        return PreviewRequest.model_validate(self.body)

    @property
    def rubric(self) -> Rubric:
        rubric = self.request.rubric
        assert rubric is not None  # the body always carries an inline rubric
        return rubric.to_rubric()

    @property
    def transcript(self) -> Transcript:
        return self.request.transcript.to_transcript()


def role_files(roles_dir: Path = ROLES) -> list[Path]:
    return sorted(roles_dir.glob("*.json"))


def load(split: str, *, mapped: bool, roles_dir: Path = ROLES) -> list[Case]:
    """Every transcript of `split` ("tune" or "holdout") in the set, in file order."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    cases = []
    for path in role_files(roles_dir):
        spec = json.loads(path.read_text(encoding="utf-8"))
        for item in spec["transcripts"]:
            if item["split"] == split:
                cases.append(_case(spec, item, mapped=mapped))
    return cases


def _case(spec: dict[str, Any], item: dict[str, Any], *, mapped: bool) -> Case:
    labels = item["labels"]
    return Case(
        role=spec["role"],
        id=item["id"],
        split=item["split"],
        kind=item["kind"],
        genuine=bool(item["genuine"]),
        label=float(labels["overall"]),
        dimension_labels={k: float(v) for k, v in labels["dimensions"].items()},
        software=bool(spec.get("software", False)),
        mapped=mapped,
        body={
            "rubric": spec["rubric"],
            "transcript": {"turns": preview_turns(spec, item["turns"], mapped=mapped)},
        },
    )


_TURN_FIELDS = frozenset(TurnIn.model_fields)


def preview_turns(
    spec: dict[str, Any], turns: list[dict[str, Any]], *, mapped: bool
) -> list[dict[str, Any]]:
    """The set's turns as preview turns. Mapped: each interviewer turn names its question and
    that question's dimensions; unmapped: neither. Fields the preview schema does not take
    (e.g. a voice turn's `words` before the schema knows them) are left out."""
    dims = {q["id"]: list(q.get("dimensions") or []) for q in spec.get("questions") or []}
    out = []
    for turn in turns:
        row = {k: v for k, v in turn.items() if k in _TURN_FIELDS}
        row.pop("question_id", None)
        row.pop("dimensions", None)
        question = turn.get("question_id")
        if mapped and turn["speaker"] in ("ai", "interviewer") and question:
            row["question_id"] = question
            row["dimensions"] = dims.get(question, [])
        out.append(row)
    return out
