"""SQL of the coding round: executions, problems and the problem each session drew."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import CodeExecution, CodingProblem, InterviewSession, SessionProblem


async def add(db: AsyncSession, row: CodeExecution | CodingProblem) -> None:
    db.add(row)
    await db.flush()


async def execution(
    db: AsyncSession, workspace_id: uuid.UUID, execution_id: uuid.UUID
) -> CodeExecution | None:
    found: CodeExecution | None = await db.scalar(
        select(CodeExecution).where(
            CodeExecution.id == execution_id, CodeExecution.workspace_id == workspace_id
        )
    )
    return found


async def execution_for_update(db: AsyncSession, execution_id: uuid.UUID) -> CodeExecution | None:
    found: CodeExecution | None = await db.scalar(
        select(CodeExecution).where(CodeExecution.id == execution_id).with_for_update()
    )
    return found


async def executions_for_session(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID, limit: int = 200
) -> Sequence[CodeExecution]:
    rows = await db.scalars(
        select(CodeExecution)
        .where(CodeExecution.workspace_id == workspace_id, CodeExecution.session_id == session_id)
        .order_by(CodeExecution.id)
        .limit(limit)
    )
    return rows.all()


async def problem(
    db: AsyncSession, workspace_id: uuid.UUID, problem_id: uuid.UUID
) -> CodingProblem | None:
    found: CodingProblem | None = await db.scalar(
        select(CodingProblem).where(
            CodingProblem.id == problem_id, CodingProblem.workspace_id == workspace_id
        )
    )
    return found


async def problems_of_stage(
    db: AsyncSession, workspace_id: uuid.UUID, stage_id: uuid.UUID
) -> Sequence[CodingProblem]:
    rows = await db.scalars(
        select(CodingProblem)
        .where(
            CodingProblem.workspace_id == workspace_id,
            CodingProblem.evaluation_stage_id == stage_id,
        )
        .order_by(CodingProblem.id)
    )
    return rows.all()


async def delete_problem(db: AsyncSession, row: CodingProblem) -> None:
    await db.delete(row)
    await db.flush()


async def drawn_problem_id(db: AsyncSession, session_id: uuid.UUID) -> uuid.UUID | None:
    found: uuid.UUID | None = await db.scalar(
        select(SessionProblem.problem_id).where(SessionProblem.session_id == session_id)
    )
    return found


async def draw(db: AsyncSession, session_id: uuid.UUID, problem_id: uuid.UUID) -> uuid.UUID:
    """Record `problem_id` as the session's problem unless one is already drawn (a racing
    draw loses); the session's problem either way."""
    await db.execute(
        insert(SessionProblem)
        .values(session_id=session_id, problem_id=problem_id)
        .on_conflict_do_nothing(index_elements=["session_id"])
    )
    drawn = await drawn_problem_id(db, session_id)
    assert drawn is not None
    return drawn


async def executions_of_participant(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> Sequence[CodeExecution]:
    rows = await db.scalars(
        select(CodeExecution)
        .join(InterviewSession, InterviewSession.id == CodeExecution.session_id)
        .where(
            CodeExecution.workspace_id == workspace_id,
            InterviewSession.candidate_id == participant_id,
        )
        .with_for_update(of=CodeExecution)
    )
    return rows.all()
