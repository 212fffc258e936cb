"""All SQL of the one-way assessments."""

from __future__ import annotations

import uuid

from sqlalchemy import literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import AssessmentProgress, InterviewSession


async def get(
    db: AsyncSession, session_id: uuid.UUID, *, for_update: bool = False
) -> AssessmentProgress | None:
    query = select(AssessmentProgress).where(AssessmentProgress.session_id == session_id)
    if for_update:
        query = query.with_for_update()
    result: AssessmentProgress | None = await db.scalar(query)
    return result


async def add(db: AsyncSession, progress: AssessmentProgress) -> None:
    db.add(progress)
    await db.flush()


async def erase_for_participant(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    """Drop the unsubmitted answer and the candidate's name from their assessments' rows."""
    sessions = select(InterviewSession.id).where(
        InterviewSession.workspace_id == workspace_id,
        InterviewSession.candidate_id == participant_id,
    )
    await db.execute(
        update(AssessmentProgress)
        .where(AssessmentProgress.session_id.in_(sessions.scalar_subquery()))
        .values(draft=None, plan=AssessmentProgress.plan.op("-")(literal("candidate_name")))
    )
