from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from starlette.responses import Response

from vivavoce.agent_profiles import service
from vivavoce.agent_profiles.schemas import (
    AgentProfileCreate,
    AgentProfileOut,
    AgentProfileUpdate,
    ForkRequest,
    UseCase,
    profile_public,
)
from vivavoce.api.deps import Db, Reads, require
from vivavoce.api.fastpath import FastRead
from vivavoce.api.params import Paging
from vivavoce.api.responses import ERROR_RESPONSES, Done, Many, One, done, many, one
from vivavoce.api.state import AppState
from vivavoce.api.validation import one_of_body, validate_body
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/agent-profiles", tags=["agent profiles"])

# Intervyo's `interviews.*` cover agent profiles too; vivavoce's own `evaluation_templates.*`
# keep working.
READ_SCOPES = ("evaluation_templates.read", "interviews.read")
Reader = Annotated[Principal, Depends(require(*READ_SCOPES))]
Writer = Annotated[Principal, Depends(require("evaluation_templates.write", "interviews.write"))]


_CREATE_BODY = one_of_body("AgentProfileCreate", "ForkRequest")


@router.post(
    "",
    status_code=201,
    response_model=One[AgentProfileOut],
    responses=ERROR_RESPONSES,
    openapi_extra={"requestBody": _CREATE_BODY},
)
async def create_agent_profile(
    db: Db,
    principal: Writer,
    body: Annotated[dict[str, Any], Body(include_in_schema=False)],
    action: Annotated[
        Literal["fork"] | None, Query(description="`fork` copies a public profile")
    ] = None,
) -> Response:
    """Create an agent profile (`AgentProfileCreate`), or with `?action=fork` and
    `{"sourceId"}` (`ForkRequest`) copy a public one into this workspace."""
    if action == "fork":
        profile = await service.fork(db, principal.workspace_id, validate_body(ForkRequest, body))
    else:
        created = validate_body(AgentProfileCreate, body)
        profile = await service.create(db, principal.workspace_id, created)
    return one(profile_public(profile), 201, f"/api/v1/agent-profiles/{profile.id}")


@router.get("", response_model=Many[AgentProfileOut], responses=ERROR_RESPONSES)
async def list_agent_profiles(
    db: Db,
    principal: Reader,
    paging: Paging,
    visibility: Annotated[Literal["workspace", "public"], Query()] = "workspace",
    use_case: Annotated[UseCase | None, Query(alias="useCase")] = None,
) -> Response:
    """This workspace's profiles, or (`visibility=public`) the public library to fork from."""
    page = await service.list_page(
        db, principal.workspace_id, paging, public=visibility == "public", use_case=use_case
    )
    return many(page)


@router.get("/{profile_id}", response_model=One[AgentProfileOut], responses=ERROR_RESPONSES)
async def get_agent_profile(reads: Reads, principal: Reader, profile_id: uuid.UUID) -> Response:
    return one(profile_public(await service.read(reads, principal.workspace_id, profile_id)))


async def _fast_read(state: AppState, principal: Principal, profile_id: uuid.UUID) -> Response:
    return await get_agent_profile(state.reads, principal, profile_id)


# GET /agent-profiles/{profile_id}, also answered before FastAPI's routing (api/fastpath.py).
FAST_READS = [FastRead("/api/v1/agent-profiles/{profile_id}", READ_SCOPES, _fast_read)]


@router.patch("/{profile_id}", response_model=Done[AgentProfileOut], responses=ERROR_RESPONSES)
async def update_agent_profile(
    db: Db, principal: Writer, profile_id: uuid.UUID, body: AgentProfileUpdate
) -> Response:
    profile = await service.update(db, principal.workspace_id, profile_id, body)
    return done(profile_public(profile))
