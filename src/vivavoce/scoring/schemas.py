"""Calibration bodies: a rubric and a transcript, as the preview endpoint and the CLI read them.

A rubric is agent-profile-shaped (`evaluationDimensions`, optional `scoring`), optionally with
the template's `success_outcome`, a stage's `pass_threshold` and `context` words; a transcript
is `{"turns": [{index?, speaker, text, question_id?, dimensions?}]}` (or that list alone).
See docs/scoring.md.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from vivavoce.agent_profiles.schemas import Dimension, Dimensions, Scoring, _check_dimensions
from vivavoce.kit.schemas import StrictModel
from vivavoce.scoring.rubric import Rubric, dimensions_from_profile
from vivavoce.scoring.transcript import ScoringTurn, Transcript, build
from vivavoce.templates.schemas import SuccessOutcome


class TurnIn(StrictModel):
    index: Annotated[int | None, Field(ge=0, le=100_000)] = None
    speaker: Literal["ai", "participant", "interviewer", "candidate"]
    text: Annotated[str, Field(max_length=20_000)]
    question_id: Annotated[str | None, Field(max_length=100)] = None
    dimensions: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=20)] = []


class TranscriptIn(StrictModel):
    turns: Annotated[list[TurnIn], Field(min_length=1, max_length=1_000)]

    def to_transcript(self) -> Transcript:
        turns = []
        for position, turn in enumerate(self.turns):
            speaker = "ai" if turn.speaker in ("ai", "interviewer") else "participant"
            turns.append(
                ScoringTurn(
                    index=position if turn.index is None else turn.index,
                    speaker=speaker,
                    text=turn.text,
                    question_id=turn.question_id if speaker == "ai" else None,
                    dimension_ids=tuple(turn.dimensions) if speaker == "ai" else (),
                )
            )
        return build(turns)

    @model_validator(mode="after")
    def _distinct_indexes(self) -> TranscriptIn:
        given = [t.index for t in self.turns if t.index is not None]
        if len(given) != len(set(given)):
            raise ValueError("turn indexes must be distinct")
        if given and len(given) != len(self.turns):
            raise ValueError("give every turn an index, or none")
        if not any(t.speaker in ("participant", "candidate") for t in self.turns):
            raise ValueError("the transcript has no candidate turn to score")
        return self


class RubricIn(StrictModel):
    evaluationDimensions: Dimensions
    scoring: Scoring = Field(default_factory=Scoring)
    success_outcome: SuccessOutcome = "hire_no_hire"
    pass_threshold: Annotated[float | None, Field(ge=0, le=100)] = None
    context: Annotated[str, Field(max_length=5_000)] = ""

    @field_validator("evaluationDimensions")
    @classmethod
    def _dims(cls, value: list[Dimension]) -> list[Dimension]:
        return _check_dimensions(value)

    def to_rubric(self) -> Rubric:
        raw: list[dict[str, Any]] = [d.model_dump() for d in self.evaluationDimensions]
        return Rubric(
            dimensions=dimensions_from_profile(raw),
            overall_pass_threshold=self.scoring.overallPassThreshold,
            stage_pass_threshold=self.pass_threshold,
            success_outcome=self.success_outcome,
            source="inline",
            context=self.context,
        )


class PreviewRequest(StrictModel):
    """Score a transcript without storing anything: against an inline `rubric`, an agent
    profile's dimensions, or a stage's (with its template's vocabulary and thresholds)."""

    rubric: RubricIn | None = None
    agent_profile_id: uuid.UUID | None = None
    evaluation_stage_id: uuid.UUID | None = None
    success_outcome: SuccessOutcome | None = None
    pass_threshold: Annotated[float | None, Field(ge=0, le=100)] = None
    transcript: TranscriptIn
    language: Annotated[str, Field(min_length=2, max_length=35)] = "en"
    accountSlug: str | None = Field(default=None, max_length=63)

    @model_validator(mode="after")
    def _one_rubric(self) -> PreviewRequest:
        given = [
            name
            for name in ("rubric", "agent_profile_id", "evaluation_stage_id")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError("give exactly one of rubric, agent_profile_id or evaluation_stage_id")
        return self
