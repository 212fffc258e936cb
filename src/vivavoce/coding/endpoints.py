"""HTTP: code executions (`/code-executions`) and a stage's problem pool (`/coding-problems`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.responses import ERROR_RESPONSES, Done, One, done, one, one_list
from vivavoce.api.state import app_state
from vivavoce.coding import problems, service
from vivavoce.coding.problem_schemas import ProblemCreate, ProblemOut, ProblemUpdate, problem_public
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
    responses={**ERROR_RESPONSES, 202: {"description": "Not finished yet: poll the Location"}},
)
async def create_code_execution(
    request: Request, principal: Runner, body: ExecutionCreate
) -> Response:
    """Run code in the sandbox against `tests` (or a problem's tests) and answer with each
    test's result, the capped output, and the time and memory used: 201 once finished, or
    202 (`status` `queued` or `running`) when `wait` is false, no worker started the run
    within 2 s, or it ran past 30 s (then poll the Location). Runs belong to the workspace,
    and to the session when `session_id` is given."""
    state = app_state(request)
    async with unit_of_work(state.sessionmaker) as db:
        execution = await service.create(db, principal.workspace_id, body)
    if body.wait:
        execution = await service.wait_for(
            state.sessionmaker,
            state.transcript_listener,
            principal.workspace_id,
            execution.id,
            pickup=service.PICKUP_SECONDS,
        )
    status = 201 if execution.status in service.FINISHED else 202
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


StageWriter = Annotated[Principal, Depends(require("evaluation_stages.write"))]
StageReader = Annotated[
    Principal, Depends(require("evaluation_stages.read", "evaluation_stages.write"))
]


@router.post(
    "/coding-problems", status_code=201, response_model=One[ProblemOut], responses=ERROR_RESPONSES
)
async def create_coding_problem(db: Db, principal: StageWriter, body: ProblemCreate) -> Response:
    """Add a problem to a stage's pool: statement, entry function, starter code per language,
    visible and hidden tests, limits and the languages allowed."""
    problem = await problems.create(db, principal.workspace_id, body)
    return one(problem_public(problem), 201, f"/api/v1/coding-problems/{problem.id}")


@router.get("/coding-problems", response_model=One[list[ProblemOut]], responses=ERROR_RESPONSES)
async def list_coding_problems(
    db: Db, principal: StageReader, evaluation_stage_id: Annotated[uuid.UUID, Query()]
) -> Response:
    """A stage's pool, oldest first."""
    pool = await problems.pool(db, principal.workspace_id, evaluation_stage_id)
    return one_list([problem_public(problem) for problem in pool])


@router.get(
    "/coding-problems/{problem_id}", response_model=One[ProblemOut], responses=ERROR_RESPONSES
)
async def get_coding_problem(db: Db, principal: StageReader, problem_id: uuid.UUID) -> Response:
    return one(problem_public(await service.get_problem(db, principal.workspace_id, problem_id)))


@router.patch(
    "/coding-problems/{problem_id}", response_model=Done[ProblemOut], responses=ERROR_RESPONSES
)
async def update_coding_problem(
    db: Db, principal: StageWriter, problem_id: uuid.UUID, body: ProblemUpdate
) -> Response:
    """Change a problem (sessions that drew it keep it; past runs keep their tests)."""
    problem = await problems.update(db, principal.workspace_id, problem_id, body)
    return done(problem_public(problem))


@router.delete("/coding-problems/{problem_id}", status_code=204, responses=ERROR_RESPONSES)
async def delete_coding_problem(db: Db, principal: StageWriter, problem_id: uuid.UUID) -> Response:
    await problems.delete(db, principal.workspace_id, problem_id)
    return Response(status_code=204)


@router.get(
    "/sessions/{session_id}/coding-problem",
    response_model=One[ProblemOut],
    responses=ERROR_RESPONSES,
)
async def session_coding_problem(db: Db, principal: Reader, session_id: uuid.UUID) -> Response:
    """The problem the session drew from its stage's pool (drawn now if not yet; the same one
    ever after); 404 `no_coding_problem` when the stage's pool is empty."""
    problem = await problems.session_problem(db, principal.workspace_id, session_id)
    return one(problem_public(problem))
