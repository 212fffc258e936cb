"""SQL of the self-identifications and of the report's rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from vivavoce.bias_audit.model import SelfIdentification
from vivavoce.models import Application, ApplyRequest, EvaluationStage, InterviewSession

COMPLETED_REQUEST = "completed"
WAITING_REQUEST = "awaiting_code"


async def stage_for_request(db: AsyncSession, row: SelfIdentification) -> None:
    """Answers typed on the apply form, kept with the request until its code settles it."""
    await db.execute(
        delete(SelfIdentification).where(
            SelfIdentification.apply_request_id == row.apply_request_id
        )
    )
    db.add(row)
    await db.flush()


async def settle_request(db: AsyncSession, request_id: uuid.UUID) -> None:
    """A completed request hands its answers to the participant it created; a request that
    ended any other way (already applied, locked, closed) drops them."""
    request = await db.get(ApplyRequest, request_id)
    if request is None or request.status == WAITING_REQUEST:
        return
    if request.status == COMPLETED_REQUEST and request.participant_id is not None:
        await db.execute(
            update(SelfIdentification)
            .where(SelfIdentification.apply_request_id == request_id)
            .values(participant_id=request.participant_id, apply_request_id=None)
        )
        return
    await db.execute(
        delete(SelfIdentification).where(SelfIdentification.apply_request_id == request_id)
    )


async def upsert_for_participant(db: AsyncSession, row: SelfIdentification) -> None:
    statement = insert(SelfIdentification).values(
        id=row.id,
        workspace_id=row.workspace_id,
        participant_id=row.participant_id,
        sex=row.sex,
        race_ethnicity=row.race_ethnicity,
        source=row.source,
        answered_at=row.answered_at,
    )
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[SelfIdentification.participant_id],
            set_={
                "sex": statement.excluded.sex,
                "race_ethnicity": statement.excluded.race_ethnicity,
                "source": statement.excluded.source,
                "answered_at": statement.excluded.answered_at,
            },
        )
    )


async def delete_for_participant(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> int:
    result = await db.execute(
        delete(SelfIdentification).where(
            SelfIdentification.workspace_id == workspace_id,
            SelfIdentification.participant_id == participant_id,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class OutcomeRow:
    sex: str | None
    race_ethnicity: str | None
    score: Decimal | None
    passed: bool
    advanced: bool


def _advanced(stage: EvaluationStage) -> ColumnElement[bool]:
    """The candidate went on: a session of a later stage of the pipeline (practice aside),
    or an application that passed the whole pipeline."""
    later_session = aliased(InterviewSession)
    later_stage = aliased(EvaluationStage)
    on_later_stage = exists(
        select(later_session.id)
        .join(later_stage, later_stage.id == later_session.evaluation_stage_id)
        .where(
            later_session.candidate_id == InterviewSession.candidate_id,
            later_session.evaluation_template_id == stage.evaluation_template_id,
            later_stage.stage_type != "practice_session",
            tuple_(later_stage.stage_order, later_stage.id) > tuple_(stage.stage_order, stage.id),
        )
    )
    pipeline_passed = exists(
        select(Application.id).where(
            Application.candidate_id == InterviewSession.candidate_id,
            Application.evaluation_template_id == stage.evaluation_template_id,
            Application.outcome == "passed",
        )
    )
    return or_(on_later_stage, pipeline_passed)


async def outcomes(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    stage: EvaluationStage,
    start: datetime | None,
    end: datetime | None,
) -> list[OutcomeRow]:
    """Each candidate's latest scorecard of the stage scored in [start, end), with their
    answers (none when they gave none)."""
    period: list[ColumnElement[bool]] = [InterviewSession.scored_at.is_not(None)]
    if start is not None:
        period.append(InterviewSession.scored_at >= start)
    if end is not None:
        period.append(InterviewSession.scored_at < end)
    latest = (
        select(InterviewSession.id)
        .where(
            InterviewSession.workspace_id == workspace_id,
            InterviewSession.evaluation_stage_id == stage.id,
            InterviewSession.passed.is_not(None),
            and_(*period),
        )
        .ext(distinct_on(InterviewSession.candidate_id))
        .order_by(InterviewSession.candidate_id, InterviewSession.scored_at.desc())
    )
    query = (
        select(
            SelfIdentification.sex,
            SelfIdentification.race_ethnicity,
            InterviewSession.score,
            InterviewSession.passed,
            _advanced(stage).label("advanced"),
        )
        .outerjoin(
            SelfIdentification,
            and_(
                SelfIdentification.participant_id == InterviewSession.candidate_id,
                SelfIdentification.workspace_id == workspace_id,
            ),
        )
        .where(InterviewSession.id.in_(latest))
    )
    rows = await db.execute(query)
    return [
        OutcomeRow(r.sex, r.race_ethnicity, r.score, bool(r.passed), bool(r.advanced)) for r in rows
    ]
