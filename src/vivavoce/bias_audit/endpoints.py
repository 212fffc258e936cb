"""`GET /api/v1/reports/bias-audit` (and `.csv`): the bias audit of one stage of a template."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.params import KnownQuery
from vivavoce.api.responses import ERROR_RESPONSES, One, one
from vivavoce.api.state import app_state
from vivavoce.bias_audit import export, service
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


@dataclass(frozen=True)
class AuditQuery:
    template_id: uuid.UUID
    stage: str | None
    start: date | None
    end: date | None
    min_group_size: int | None


async def audit_query(  # async: FastAPI runs plain functions in a thread
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
            description="Withhold groups smaller than this (never below the configured "
            "floor, 5 by default)",
        ),
    ] = None,
) -> AuditQuery:
    return AuditQuery(evaluation_template_id, stage, start, end, min_group_size)


Audit = Annotated[AuditQuery, Depends(audit_query)]


async def _report(
    request: Request, db: Db, principal: Principal, query: AuditQuery
) -> dict[str, Any]:
    minimum = service.min_group_size(app_state(request).settings, query.min_group_size)
    return await service.report(
        db,
        principal.workspace_id,
        query.template_id,
        Reader(principal.user_id),
        stage=query.stage,
        start=query.start,
        end=query.end,
        minimum=minimum,
    )


@router.get(
    "/bias-audit",
    response_model=One[BiasAuditOut],
    responses=ERROR_RESPONSES,
    dependencies=[KnownQuery],
)
async def bias_audit(request: Request, db: Db, principal: Viewer, query: Audit) -> Response:
    """Per group of sex, race / ethnicity and their intersection: candidates scored at the
    stage in the period (each one's latest scorecard), passed and advanced with their
    selection rates, mean score, scoring rate (above the median), and impact ratios against
    the group with the highest rate, marked when under four fifths. Groups smaller than
    `min_group_size` are withheld and left out of the ratios. Answers are voluntary:
    candidates who gave none count under `not_disclosed`. See docs/bias-audit.md."""
    return one(await _report(request, db, principal, query))


@router.get(
    "/bias-audit.csv",
    responses={
        **ERROR_RESPONSES,
        200: {"content": {"text/csv": {}}, "description": "One line per group"},
    },
    response_class=Response,
    dependencies=[KnownQuery],
)
async def bias_audit_csv(request: Request, db: Db, principal: Viewer, query: Audit) -> Response:
    """The same report as CSV: one line per group of every category (the not-disclosed
    lines included), with the template, stage, period and minimum on each; withheld cells
    empty, `suppressed` = `yes`."""
    report = await _report(request, db, principal, query)
    return Response(
        export.to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{export.file_name(report)}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
