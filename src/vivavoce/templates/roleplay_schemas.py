"""The scenario a `roleplay_simulation` stage carries (`roleplay` on the stage), as the API
takes it. docs/roleplay.md describes how a scene runs on it; the scene engine
(`vivavoce.interviewer.scene`) reads the stored dict with `Scenario.from_dict`."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from vivavoce.kit.schemas import StrictModel

Line = Annotated[str, Field(min_length=1, max_length=500)]
Phrase = Annotated[str, Field(min_length=2, max_length=80)]
Phrases = Annotated[list[Phrase], Field(min_length=1, max_length=20)]
SceneId = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class Character(StrictModel):
    name: Annotated[str, Field(min_length=1, max_length=80, description="Shown in the transcript")]
    description: Annotated[
        str, Field(min_length=1, max_length=1000, description="Who they are, in a few words")
    ]


class CandidateRole(StrictModel):
    role: Annotated[str, Field(min_length=1, max_length=120, description="e.g. support agent")]
    brief: Annotated[
        str,
        Field(min_length=1, max_length=2000, description="What the candidate is told beforehand"),
    ]


class SceneGoal(StrictModel):
    """Something the candidate has to achieve. It is met by a candidate turn that says one of
    `met_by` (whole words, ignoring case), not negated just before it."""

    id: SceneId
    description: Line
    met_by: Phrases
    ask: Annotated[
        Line | None, Field(description="What the character says to push for it (their words)")
    ] = None


class Objection(StrictModel):
    """Something the character raises (`line`, in their words), answered by a candidate turn
    that says one of `answered_by`."""

    id: SceneId
    line: Line
    answered_by: Phrases


class Reactions(StrictModel):
    """How the character's patience (0-100) moves with each candidate turn."""

    patience: Annotated[int, Field(ge=1, le=100, description="Patience at the start")] = 60
    vague: Annotated[int, Field(ge=-50, le=0, description="A vague, short or off-topic turn")] = -15
    dismissive: Annotated[
        int, Field(ge=-60, le=0, description="Dismissive words: 'calm down', 'not my problem'")
    ] = -25
    empathy: Annotated[int, Field(ge=0, le=50, description="'I'm sorry', 'I understand'")] = 10
    concrete_offer: Annotated[
        int, Field(ge=0, le=50, description="A turn that meets a goal or answers an objection")
    ] = 15
    next_step: Annotated[
        int, Field(ge=0, le=50, description="A clear next step: when, who, what happens")
    ] = 10


class SceneEnding(StrictModel):
    """When the scene ends (whichever comes first; the stage's duration also ends it)."""

    max_turns: Annotated[
        int, Field(ge=2, le=40, description="The candidate's turns before the scene ends")
    ] = 12
    gives_up_at: Annotated[
        int, Field(ge=0, le=90, description="The character gives up at this patience or below")
    ] = 0
    satisfied_line: Line | None = None
    gives_up_line: Line | None = None


class RoleplayScenario(StrictModel):
    """The scene: who the AI plays, what they want and know, how they react, the candidate's
    role, and when it ends. The scene is reached when every goal is met and every objection
    answered."""

    character: Character
    wants: Annotated[str, Field(min_length=1, max_length=1000, description="What they want")]
    knows: Annotated[
        list[Line], Field(max_length=20, description="Facts they can tell when asked")
    ] = Field(default_factory=list)
    opening_line: Line | None = None
    candidate: CandidateRole
    goals: Annotated[list[SceneGoal], Field(min_length=1, max_length=10)]
    objections: Annotated[list[Objection], Field(max_length=10)] = Field(default_factory=list)
    reactions: Reactions = Field(default_factory=Reactions)
    ending: SceneEnding = Field(default_factory=SceneEnding)

    @field_validator("knows")
    @classmethod
    def _one_line_facts(cls, facts: list[str]) -> list[str]:
        return [fact.strip() for fact in facts]

    @model_validator(mode="after")
    def _consistent(self) -> RoleplayScenario:
        ids = [g.id for g in self.goals] + [o.id for o in self.objections]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"goal and objection ids must be unique: {', '.join(repeated)}")
        if self.ending.gives_up_at >= self.reactions.patience:
            raise ValueError("ending.gives_up_at must be below reactions.patience")
        for phrase in _phrases(self):
            if not re.search(r"\w", phrase):
                raise ValueError(f"a phrase needs a word: {phrase!r}")
        return self


def _phrases(scenario: RoleplayScenario) -> list[str]:
    return [p for g in scenario.goals for p in g.met_by] + [
        p for o in scenario.objections for p in o.answered_by
    ]
