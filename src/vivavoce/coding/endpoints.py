"""HTTP: code executions (`/code-executions`) and a stage's problem pool (`/coding-problems`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.responses import ERROR_RESPONSES, One, one, one_list
from vivavoce.api.state import app_state
from vivavoce.coding import service
from vivavoce.coding.schemas import ExecutionCreate, ExecutionOut, execution_public
from vivavoce.kit.db import unit_of_work
from vivavoce.workspaces.service import Principal

router = APIRouter(tags=["coding"])

Runner = Annotated[Principal, Depends(require("interviews.write"))]
Reader = Annotated[Principal, Depends(require("interviews.read", "interviews.write"))]


@router.post(
    "/code-executions",
    status_code=201,
    response_model=One[ExecutionOut],
    responses={**ERROR_RESPONSES, 202: {"description": "Queued; not finished within 30 s"}},
)
async def create_code_execution(
    request: Request, principal: Runner, body: ExecutionCreate
) -> Response:
    """Run code in the sandbox against `tests` (or a problem's tests) and answer with each
    test's result, the capped output, and the time and memory used: 201 once finished, or
    202 with `status: queued` when `wait` is false or 30 s pass first (then poll the
    Location). Runs belong to the workspace, and to the session when `session_id` is given."""
    state = app_state(request)
    async with unit_of_work(state.sessionmaker) as db:
        execution = await service.create(db, principal.workspace_id, body)
    if body.wait:
        execution = await service.wait_for(
            state.sessionmaker, state.transcript_listener, principal.workspace_id, execution.id
        )
    status = 202 if execution.status == "queued" else 201
    return one(execution_public(execution), status, f"/api/v1/code-executions/{execution.id}")


@router.get(
    "/code-executions/{execution_id}", response_model=One[ExecutionOut], responses=ERROR_RESPONSES
)
async def get_code_execution(db: Db, principal: Reader, execution_id: uuid.UUID) -> Response:
    return one(execution_public(await service.get(db, principal.workspace_id, execution_id)))


@router.get("/code-executions", response_model=One[list[ExecutionOut]], responses=ERROR_RESPONSES)
async def list_code_executions(
    db: Db, principal: Reader, session_id: Annotated[uuid.UUID, Query()]
) -> Response:
    """Every run of a session, oldest first (at most 200)."""
    await service.require_session(db, principal.workspace_id, session_id)
    executions = await service.for_session(db, principal.workspace_id, session_id)
    return one_list([execution_public(execution) for execution in executions])
