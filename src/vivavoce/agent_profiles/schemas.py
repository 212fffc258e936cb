"""Agent profile bodies. Field names are camelCase, as the public Intervyo docs write them."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import AgentProfile

UseCase = Literal["hiring", "admissions", "training", "custom_api"]
Tone = Literal["friendly", "professional", "strict", "challenging"]
Style = Literal["structured", "conversational", "adaptive"]
Difficulty = Literal["easy", "medium", "hard", "adaptive"]
ProbingDepth = Literal["low", "medium", "high"]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]


class Dimension(StrictModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[str, Field(min_length=1, max_length=2000)]
    weight: Annotated[float, Field(gt=0, le=100)]
    passThreshold: Annotated[float | None, Field(ge=0, le=10)] = None
    anchors: dict[str, Annotated[str, Field(min_length=1, max_length=1000)]] | None = None

    @field_validator("anchors")
    @classmethod
    def _anchor_scores(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        for score in value:
            try:
                number = float(score)
            except ValueError:
                raise ValueError(f"anchor key {score!r} must be a score from 0 to 10") from None
            if not 0 <= number <= 10:
                raise ValueError(f"anchor key {score!r} must be a score from 0 to 10")
        return value


def dimension_id(name: str) -> str:
    """The stable id of a dimension (`System Design` → `system_design`)."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug or "dimension"


def _check_dimensions(dimensions: list[Dimension]) -> list[Dimension]:
    total = sum(d.weight for d in dimensions)
    if abs(total - 100) > 0.01:
        raise ValueError(f"dimension weights must sum to 100 (they sum to {total:g})")
    ids = [dimension_id(d.name) for d in dimensions]
    if len(set(ids)) != len(ids):
        raise ValueError("dimension names must be distinct")
    return dimensions


Dimensions = Annotated[list[Dimension], Field(min_length=1, max_length=20)]


class ContextBlock(StrictModel):
    organizationContext: LongText | None = None
    domainContext: LongText | None = None
    scenarioContext: LongText | None = None


class Interaction(StrictModel):
    tone: Tone = "professional"
    style: Style = "structured"
    difficulty: Difficulty = "medium"
    probingDepth: ProbingDepth = "medium"


class Scoring(StrictModel):
    scale: Literal["0-10", "0-5", "0-100"] = "0-10"
    scoringMethod: Literal["weighted_average", "rule_based"] = "weighted_average"
    recommendationLogic: LongText | None = None
    overallPassThreshold: Annotated[float, Field(ge=0, le=10)] = 7.0


class Output(StrictModel):
    includeTranscript: bool = True
    includeScoreBreakdown: bool = True
    includeRecommendation: bool = True
    includeImprovementFeedback: bool = True


class AgentProfileCreate(StrictModel):
    name: ShortText
    persona: Annotated[str, Field(min_length=1, max_length=5000)]
    useCase: UseCase
    evaluationDimensions: Dimensions
    context: ContextBlock = Field(default_factory=ContextBlock)
    interaction: Interaction = Field(default_factory=Interaction)
    scoring: Scoring = Field(default_factory=Scoring)
    output: Output = Field(default_factory=Output)
    additionalInstructions: LongText | None = None
    isPublic: bool = False
    accountSlug: str | None = Field(default=None, max_length=63)

    @field_validator("evaluationDimensions")
    @classmethod
    def _dims(cls, value: list[Dimension]) -> list[Dimension]:
        return _check_dimensions(value)


class AgentProfileUpdate(StrictModel):
    name: ShortText | None = None
    persona: Annotated[str | None, Field(min_length=1, max_length=5000)] = None
    useCase: UseCase | None = None
    evaluationDimensions: Dimensions | None = None
    context: ContextBlock | None = None
    interaction: Interaction | None = None
    scoring: Scoring | None = None
    output: Output | None = None
    additionalInstructions: LongText | None = None
    isPublic: bool | None = None
    accountSlug: str | None = Field(default=None, max_length=63)

    @field_validator("evaluationDimensions")
    @classmethod
    def _dims(cls, value: list[Dimension] | None) -> list[Dimension] | None:
        return None if value is None else _check_dimensions(value)

    @model_validator(mode="after")
    def _no_nulls(self) -> AgentProfileUpdate:
        for name in (
            "name",
            "persona",
            "useCase",
            "evaluationDimensions",
            "isPublic",
            "context",
            "interaction",
            "scoring",
            "output",
        ):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ForkRequest(StrictModel):
    sourceId: Annotated[str, Field(min_length=1, max_length=64)]
    name: ShortText | None = None
    accountSlug: str | None = Field(default=None, max_length=63)


class DimensionOut(BaseModel):
    id: str
    name: str
    description: str
    weight: float
    passThreshold: float | None = None
    anchors: dict[str, str] | None = None


class AgentProfileOut(BaseModel):
    id: str
    name: str
    persona: str
    useCase: str
    evaluationDimensions: list[DimensionOut]
    context: ContextBlock
    interaction: Interaction
    scoring: Scoring
    output: Output
    additionalInstructions: str | None
    isPublic: bool
    forkedFromId: str | None
    version: int
    created_at: str
    updated_at: str


def dimensions_stored(dimensions: list[Dimension]) -> list[dict[str, Any]]:
    return [{"id": dimension_id(d.name), **d.model_dump()} for d in dimensions]


def profile_public(profile: AgentProfile) -> dict[str, Any]:
    return {
        "id": str(profile.id),
        "name": profile.name,
        "persona": profile.persona,
        "useCase": profile.use_case,
        "evaluationDimensions": profile.evaluation_dimensions,
        "context": profile.context,
        "interaction": profile.interaction,
        "scoring": profile.scoring,
        "output": profile.output,
        "additionalInstructions": profile.additional_instructions,
        "isPublic": profile.is_public,
        "forkedFromId": str(profile.forked_from_id) if profile.forked_from_id else None,
        "version": profile.version,
        "created_at": isoformat_z(profile.created_at),
        "updated_at": isoformat_z(profile.updated_at),
    }
