"""All SQL of the one-way assessments."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import AssessmentProgress


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
