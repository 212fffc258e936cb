"""Comparing a template's candidates, and its shortlist, over the API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.params import KnownQuery
from vivavoce.api.responses import ERROR_RESPONSES, Done, One, done, one, one_list
from vivavoce.compare import service
from vivavoce.compare.service import Order, Sort
from vivavoce.kit.clock import utcnow
from vivavoce.templates.visibility import Reader
from vivavoce.workspaces import actors
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/evaluation-templates/{template_id}", tags=["evaluation templates"])

Viewer = Annotated[Principal, Depends(require("interviews.read"))]
Writer = Annotated[Principal, Depends(require("interviews.write"))]


class ShortlistActor(BaseModel):
    kind: str
    id: str | None
    label: str


class ShortlistEntryOut(BaseModel):
    candidate_id: str
    added_by: ShortlistActor
    added_at: str


class ShortlistOut(BaseModel):
    data: list[ShortlistEntryOut]


class ComparisonOut(BaseModel):
    evaluation_template_id: str
    template_name: str
    stages: list[dict[str, Any]]
    stage: str | None
    dimensions: list[dict[str, str]]
    sort: dict[str, str]
    rows: list[dict[str, Any]]
    truncated: bool


class RemovedOut(BaseModel):
    candidate_id: str
    removed: bool


@router.get(
    "/comparison",
    response_model=One[ComparisonOut],
    responses=ERROR_RESPONSES,
    dependencies=[KnownQuery],
)
async def compare_candidates(
    db: Db,
    principal: Viewer,
    template_id: uuid.UUID,
    stage: Annotated[str | None, Query(max_length=64, description="Stage `type`")] = None,
    sort: Annotated[
        str,
        Query(
            max_length=120,
            description="`score`, `name`, `confidence`, `review`, "
            "`scored_at` or `dim:<dimension_id>`",
        ),
    ] = "score",
    order: Annotated[Order, Query()] = "desc",
    shortlisted: Annotated[bool, Query(description="Only shortlisted candidates")] = False,
) -> Response:
    """Each candidate's latest scorecard of the stage (the first stage unless named), one
    entry per dimension with its confidence, the review state and the shortlist entry;
    sorted on the server, candidates without a value last. At most 500 candidates
    (`truncated` says when there are more)."""
    table = await service.comparison(
        db,
        principal.workspace_id,
        template_id,
        Reader(principal.user_id),
        stage=stage,
        sort=Sort(sort, order),
        shortlisted_only=shortlisted,
    )
    return one(table)


@router.get(
    "/shortlist", response_model=ShortlistOut, responses=ERROR_RESPONSES, dependencies=[KnownQuery]
)
async def get_shortlist(db: Db, principal: Viewer, template_id: uuid.UUID) -> Response:
    """The shortlisted candidates, oldest first, with who added each and when."""
    entries = await service.shortlist(
        db, principal.workspace_id, template_id, Reader(principal.user_id)
    )
    return one_list(entries)


@router.put(
    "/shortlist/{candidate_id}", response_model=Done[ShortlistEntryOut], responses=ERROR_RESPONSES
)
async def add_to_shortlist(
    db: Db, principal: Writer, template_id: uuid.UUID, candidate_id: uuid.UUID
) -> Response:
    """Shortlist a candidate of this template. Idempotent: a candidate already there keeps
    the entry of whoever added them first."""
    actor = await actors.api_reviewer(db, principal)
    entry = await service.add(
        db,
        principal.workspace_id,
        template_id,
        candidate_id,
        Reader(principal.user_id),
        actor,
        utcnow(),
    )
    return done(entry)


@router.delete(
    "/shortlist/{candidate_id}", response_model=Done[RemovedOut], responses=ERROR_RESPONSES
)
async def remove_from_shortlist(
    db: Db, principal: Writer, template_id: uuid.UUID, candidate_id: uuid.UUID
) -> Response:
    """Take a candidate off the shortlist. Idempotent: `removed` is false when they were
    not on it."""
    removed = await service.remove(
        db, principal.workspace_id, template_id, candidate_id, Reader(principal.user_id)
    )
    return done({"candidate_id": str(candidate_id), "removed": removed})
