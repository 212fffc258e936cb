from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.params import KnownQuery
from vivavoce.api.responses import ERROR_RESPONSES, Many, many
from vivavoce.events import service
from vivavoce.events.schemas import EventOut
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader
from vivavoce.workspaces.service import Principal

router = APIRouter(tags=["events"])

Limit = Annotated[int, Query(ge=1, le=100, description="Page size (1-100)")]


@router.get(
    "/events",
    response_model=Many[EventOut],
    responses=ERROR_RESPONSES,
    dependencies=[KnownQuery],
)
async def list_events(
    db: Db,
    principal: Annotated[Principal, Depends(require("interviews.read"))],
    limit: Limit = 20,
    cursor: Annotated[str | None, Query(max_length=32)] = None,
    event: Annotated[list[str] | None, Query(description="Only these event types")] = None,
) -> Response:
    """The workspace event log, newest first (without the events of templates private to
    another user)."""
    reader = Reader(principal.user_id)
    page = await service.list_events(
        db,
        principal.workspace_id,
        limit=limit,
        cursor=cursor,
        types=event,
        hidden_template_ids=await templates.hidden_from(db, principal.workspace_id, reader),
    )
    return many(page)
