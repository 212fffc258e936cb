"""A stage's problem pool, and the one problem each session draws from it."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.coding import repository
from vivavoce.coding.problem_schemas import ProblemCreate, ProblemFields, ProblemUpdate, fields_of
from vivavoce.coding.service import get_problem
from vivavoce.kit.clock import utcnow
from vivavoce.kit.errors import Issue, NotFound, Unprocessable
from vivavoce.models import CodingProblem, InterviewSession
from vivavoce.sessions import service as sessions
from vivavoce.templates import service as templates


async def create(db: AsyncSession, workspace_id: uuid.UUID, body: ProblemCreate) -> CodingProblem:
    await templates.get_stage(db, workspace_id, body.evaluation_stage_id)  # 404 if foreign
    now = utcnow()
    problem = CodingProblem(
        workspace_id=workspace_id,
        evaluation_stage_id=body.evaluation_stage_id,
        created_at=now,
        updated_at=now,
        **body.columns(),
    )
    await repository.add(db, problem)
    return problem


async def update(
    db: AsyncSession, workspace_id: uuid.UUID, problem_id: uuid.UUID, body: ProblemUpdate
) -> CodingProblem:
    """Change some of a problem's fields; sessions that drew it keep it, and runs already
    made keep the tests they ran. The problem as a whole must stay valid (else 422)."""
    problem = await get_problem(db, workspace_id, problem_id)
    merged = {**fields_of(problem), **body.model_dump(exclude_unset=True, mode="json")}
    try:
        fields = ProblemFields.model_validate(merged)
    except ValidationError as exc:
        issues = [
            Issue(["body", *(str(p) for p in error["loc"])], error["msg"])
            for error in exc.errors(include_url=False)[:20]
        ]
        raise Unprocessable("the problem would not be valid", issues) from None
    for name, value in fields.columns().items():
        setattr(problem, name, value)
    problem.updated_at = utcnow()
    await db.flush()
    return problem


async def delete(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    problem_id: uuid.UUID,
    *,
    stage_id: uuid.UUID | None = None,
) -> None:
    """Remove a problem from its pool (of `stage_id`, when given); sessions that drew it
    lose it with it."""
    problem = await get_problem(db, workspace_id, problem_id)
    if stage_id is not None and problem.evaluation_stage_id != stage_id:
        raise NotFound("coding problem", resource="coding_problem", id=problem_id)
    await repository.delete_problem(db, problem)


async def pool(
    db: AsyncSession, workspace_id: uuid.UUID, stage_id: uuid.UUID
) -> Sequence[CodingProblem]:
    await templates.get_stage(db, workspace_id, stage_id)
    return await repository.problems_of_stage(db, workspace_id, stage_id)


def pick(session_id: uuid.UUID, problems: Sequence[CodingProblem]) -> CodingProblem:
    """A spread-out but reproducible choice: the session id's digest picks the problem."""
    digest = hashlib.sha256(session_id.bytes).digest()
    return problems[int.from_bytes(digest[:8], "big") % len(problems)]


async def for_session(db: AsyncSession, session: InterviewSession) -> CodingProblem | None:
    """The session's problem: the one drawn before (the same on resume, even if the pool
    changed since), else one drawn now from its stage's pool; None when the pool is empty."""
    drawn = await repository.drawn_problem_id(db, session.id)
    if drawn is None:
        candidates = await repository.problems_of_stage(
            db, session.workspace_id, session.evaluation_stage_id
        )
        if not candidates:
            return None
        drawn = await repository.draw(db, session.id, pick(session.id, candidates).id)
    return await get_problem(db, session.workspace_id, drawn)


async def session_problem(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID
) -> CodingProblem:
    """`for_session` of a session of this workspace; NotFound when its stage has no pool."""
    session = await sessions.get(db, workspace_id, session_id)
    problem = await for_session(db, session)
    if problem is None:
        raise NotFound("coding problem", code="no_coding_problem", resource="coding_problem")
    return problem
