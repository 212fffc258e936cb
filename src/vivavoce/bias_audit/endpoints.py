"""`GET /api/v1/reports/bias-audit`: the bias audit of one stage of a template."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.params import KnownQuery
from vivavoce.api.responses import ERROR_RESPONSES, One, one
from vivavoce.api.state import app_state
from vivavoce.bias_audit import service
from vivavoce.templates.visibility import Reader
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/reports", tags=["reports"])

Viewer = Annotated[Principal, Depends(require("interviews.read"))]


class BiasAuditOut(BaseModel):
    evaluation_template_id: str
    template_name: str
    stages: list[dict[str, Any]]
    stage: str | None
    period: dict[str, str | None]
    totals: dict[str, Any]
    min_group_size: int
    four_fifths_threshold: float
    categories: list[dict[str, Any]]


@router.get(
    "/bias-audit",
    response_model=One[BiasAuditOut],
    responses=ERROR_RESPONSES,
    dependencies=[KnownQuery],
)
async def bias_audit(
    request: Request,
    db: Db,
    principal: Viewer,
    evaluation_template_id: Annotated[uuid.UUID, Query(description="The template audited")],
    stage: Annotated[
        str | None, Query(max_length=64, description="Stage `type` (the first scored stage)")
    ] = None,
    start: Annotated[
        date | None, Query(alias="from", description="First day scored (UTC), inclusive")
    ] = None,
    end: Annotated[
        date | None, Query(alias="to", description="Last day scored (UTC), inclusive")
    ] = None,
    min_group_size: Annotated[
        int | None,
        Query(
            ge=1,
            le=1000,
            description="Suppress groups smaller than this (never below "
            "the configured floor, 5 by default)",
        ),
    ] = None,
) -> Response:
    """Per group of sex, race / ethnicity and their intersection: candidates scored at the
    stage in the period (each one's latest scorecard), passed and advanced with their
    selection rates, mean score, scoring rate (above the median), and impact ratios against
    the group with the highest rate, marked when under four fifths. Groups smaller than
    `min_group_size` are suppressed and left out of the ratios. Answers are voluntary:
    candidates who gave none count under `not_disclosed`. See docs/bias-audit.md."""
    minimum = service.min_group_size(app_state(request).settings, min_group_size)
    report = await service.report(
        db,
        principal.workspace_id,
        evaluation_template_id,
        Reader(principal.user_id),
        stage=stage,
        start=start,
        end=end,
        minimum=minimum,
    )
    return one(report)
