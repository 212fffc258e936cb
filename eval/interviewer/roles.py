"""The roles of the conversation evaluation (`role_scripts/*.json`): an agent profile, a template
and a question bank per role (four or five questions of the kinds design, behavioural,
knowledge, situational and procedure, worded as people ask them), with a strong, a mediocre
and a weak answer per question and short replies per part of a complete answer (what a
candidate says when asked for that part).

Every answer is labelled with the parts it covers (`covers`), which is how the checks know
that a follow-up asked for something the candidate had already said. Whole roles are held
out (`split`): tune only on `tune`. The holdout is replaced, not reused, once it has been run and
diagnosed: its roles then move to `tune` (docs/interviewer.md, fourth pass).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ROLES_DIR = Path(__file__).with_name("role_scripts")
QuestionKind = Literal["design", "behavioural", "knowledge", "situational", "procedure"]
Quality = Literal["strong", "mediocre", "weak"]
HYPOTHETICAL: frozenset[str] = frozenset({"design", "situational"})


@dataclass(frozen=True)
class Answer:
    text: str
    covers: frozenset[str]


@dataclass(frozen=True)
class Question:
    kind: QuestionKind
    text: str
    dimensions: tuple[str, ...]
    answers: dict[str, Answer]
    replies: dict[str, str]


@dataclass(frozen=True)
class Role:
    name: str
    split: Literal["tune", "holdout"]
    profile: dict[str, Any]
    template: dict[str, Any]
    questions: tuple[Question, ...]

    @property
    def probing_depth(self) -> str:
        return str(self.profile.get("interaction", {}).get("probingDepth", "medium"))

    @property
    def max_follow_ups(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.probing_depth]


def _question(raw: dict[str, Any]) -> Question:
    answers = {
        quality: Answer(item["text"], frozenset(item["covers"]))
        for quality, item in raw["answers"].items()
    }
    return Question(raw["kind"], raw["text"], tuple(raw["dimensions"]), answers, raw["replies"])


def load(path: Path) -> Role:
    raw = json.loads(path.read_text())
    questions = tuple(_question(q) for q in raw["questions"])
    return Role(raw["role"], raw["split"], raw["profile"], raw["template"], questions)


def all_roles() -> list[Role]:
    return [load(path) for path in sorted(ROLES_DIR.glob("*.json"))]


def select(names: str | None = None, split: str = "all") -> list[Role]:
    """Roles by comma-separated name and by split (`tune`, `holdout` or `all`)."""
    wanted = {n.strip() for n in names.split(",")} if names else None
    return [
        role
        for role in all_roles()
        if (wanted is None or role.name in wanted) and split in ("all", role.split)
    ]
