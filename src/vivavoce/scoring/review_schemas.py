"""The scorecard review request and its answer (API and dashboard)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import ScorecardReview

MAX_REASON = 2000


class DimensionAdjustment(StrictModel):
    dimension_id: str = Field(min_length=1, max_length=100)
    score: float = Field(ge=0, le=10, description="The reviewer's score, 0-10 (one decimal)")


class ReviewRequest(StrictModel):
    """`confirm` accepts the scorecard as it is; `adjust` changes dimension scores, and code
    recomputes `score`, `passed` and `recommendation`."""

    action: Literal["confirm", "adjust"]
    version: int = Field(
        ge=0, description="The scorecard's `review.version` you read; 409 when it moved on"
    )
    reason: str | None = Field(default=None, max_length=MAX_REASON)
    dimensions: list[DimensionAdjustment] = Field(default_factory=list, max_length=50)
    accountSlug: str | None = Field(default=None, max_length=63)

    @model_validator(mode="after")
    def _adjustments_need_a_reason(self) -> ReviewRequest:
        if self.action == "adjust":
            if not self.dimensions:
                raise ValueError("an adjustment changes at least one dimension")
            if not (self.reason or "").strip():
                raise ValueError("an adjustment needs a written reason")
        elif self.dimensions:
            raise ValueError("`confirm` takes no dimensions; use `adjust` to change scores")
        ids = [d.dimension_id for d in self.dimensions]
        if len(set(ids)) != len(ids):
            raise ValueError("each dimension at most once")
        return self


class Reviewer(BaseModel):
    kind: Literal["user", "api_key"]
    id: str | None
    label: str


class ScoreSnapshot(BaseModel):
    score: str
    passed: bool
    recommendation: str
    dimensions: dict[str, float]


class ReviewOut(BaseModel):
    id: str
    version: int
    action: Literal["confirmed", "adjusted"]
    reason: str | None
    reviewer: Reviewer
    before: ScoreSnapshot
    after: ScoreSnapshot
    created_at: str


class ScorecardReviewsOut(BaseModel):
    session_id: str
    review: dict[str, Any] | None  # null until the session has a scorecard
    ai_scorecard: dict[str, Any] | None
    reviews: list[ReviewOut]


def review_public(row: ScorecardReview) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "version": row.version,
        "action": row.action,
        "reason": row.reason,
        "reviewer": {
            "kind": row.reviewer_kind,
            "id": str(row.reviewer_id) if row.reviewer_id else None,
            "label": row.reviewer_label,
        },
        "before": row.before,
        "after": row.after,
        "created_at": isoformat_z(row.created_at),
    }
