from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import Application, EvaluationStage, InterviewSession
from vivavoce.templates.visibility import outside


async def get(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    application_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Application | None:
    query = select(Application).where(
        Application.id == application_id, Application.workspace_id == workspace_id
    )
    if for_update:  # fresh values: the row may have changed since this session last read it
        query = query.with_for_update().execution_options(populate_existing=True)
    result: Application | None = await db.scalar(query)
    return result


async def list_applications(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    limit: int,
    before: uuid.UUID | None,
    hidden_template_ids: frozenset[uuid.UUID],
    template_id: uuid.UUID | None,
    candidate_id: uuid.UUID | None,
    approval_status: str | None,
    outcome: str | None,
) -> list[Application]:
    query = select(Application).where(
        Application.workspace_id == workspace_id,
        outside(Application.evaluation_template_id, hidden_template_ids),
    )
    if template_id is not None:
        query = query.where(Application.evaluation_template_id == template_id)
    if candidate_id is not None:
        query = query.where(Application.candidate_id == candidate_id)
    if approval_status is not None:
        query = query.where(Application.approval_status == approval_status)
    if outcome is not None:
        query = query.where(Application.outcome == outcome)
    if before is not None:
        query = query.where(Application.id < before)
    rows = await db.scalars(query.order_by(Application.id.desc()).limit(limit))
    return list(rows)


async def stages_of_templates(
    db: AsyncSession, template_ids: Sequence[uuid.UUID]
) -> list[EvaluationStage]:
    if not template_ids:
        return []
    rows = await db.scalars(
        select(EvaluationStage)
        .where(EvaluationStage.evaluation_template_id.in_(template_ids))
        .order_by(EvaluationStage.stage_order, EvaluationStage.id)
    )
    return list(rows)


async def latest_sessions_per_stage(
    db: AsyncSession, application_ids: Sequence[uuid.UUID]
) -> list[InterviewSession]:
    """For each (application, stage), its newest session: a retry surfaces at once."""
    if not application_ids:
        return []
    rows = await db.scalars(
        select(InterviewSession)
        .where(InterviewSession.application_id.in_(application_ids))
        .ext(distinct_on(InterviewSession.application_id, InterviewSession.evaluation_stage_id))
        .order_by(
            InterviewSession.application_id,
            InterviewSession.evaluation_stage_id,
            InterviewSession.id.desc(),
        )
    )
    return list(rows)


async def touch(db: AsyncSession, application: Application, now: datetime) -> None:
    application.updated_at = now
    await db.flush()


async def get_by_id(db: AsyncSession, application_id: uuid.UUID) -> Application | None:
    return await db.get(Application, application_id)


async def erase_participant_fields(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    await db.execute(
        update(Application)
        .where(Application.workspace_id == workspace_id, Application.candidate_id == participant_id)
        .values(decision_reason=None, final_reason=None)
    )
