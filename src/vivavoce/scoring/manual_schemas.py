"""The reviewer's scorecard of a `manual_review` stage."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from vivavoce.kit.schemas import StrictModel


class DimensionScore(StrictModel):
    dimension_id: Annotated[str, Field(min_length=1, max_length=100)]
    score: Annotated[float, Field(ge=0, le=10, description="0-10, one decimal kept")]
    notes: Annotated[str | None, Field(max_length=2000)] = None


class ManualScorecard(StrictModel):
    """Every dimension of the stage's rubric scored, with notes, and the decision: `advance`
    passes the stage (its automation rule then runs), `reject` fails it."""

    dimensions: Annotated[list[DimensionScore], Field(min_length=1, max_length=20)]
    decision: Literal["advance", "reject"]
    notes: Annotated[str | None, Field(max_length=5000, description="The overall summary")] = None
    accountSlug: Annotated[str | None, Field(max_length=63)] = None
