"""SQL of the comparison (each candidate's latest scorecard per stage) and the shortlist."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import InterviewSession, ShortlistEntry


async def latest_scorecards(
    db: AsyncSession, workspace_id: uuid.UUID, stage_id: uuid.UUID, limit: int
) -> list[InterviewSession]:
    """Each candidate's most recently scored session of the stage (a retake replaces the
    earlier one), newest first."""
    latest = (
        select(InterviewSession.id)
        .where(
            InterviewSession.workspace_id == workspace_id,
            InterviewSession.evaluation_stage_id == stage_id,
            InterviewSession.scored_at.is_not(None),
        )
        .ext(distinct_on(InterviewSession.candidate_id))
        .order_by(InterviewSession.candidate_id, InterviewSession.scored_at.desc())
    )
    rows = await db.scalars(
        select(InterviewSession)
        .where(InterviewSession.id.in_(latest))
        .order_by(InterviewSession.scored_at.desc())
        .limit(limit)
    )
    return list(rows)


async def has_session_in(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID, candidate_id: uuid.UUID
) -> bool:
    found = await db.scalar(
        select(InterviewSession.id)
        .where(
            InterviewSession.workspace_id == workspace_id,
            InterviewSession.evaluation_template_id == template_id,
            InterviewSession.candidate_id == candidate_id,
        )
        .limit(1)
    )
    return found is not None


async def shortlist(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID
) -> list[ShortlistEntry]:
    rows = await db.scalars(
        select(ShortlistEntry)
        .where(
            ShortlistEntry.workspace_id == workspace_id,
            ShortlistEntry.evaluation_template_id == template_id,
        )
        .order_by(ShortlistEntry.created_at, ShortlistEntry.id)
    )
    return list(rows)


async def add(db: AsyncSession, entry: ShortlistEntry) -> ShortlistEntry:
    """Inserts the entry unless the pair is already there (two reviewers adding the same
    candidate at once both succeed) and returns the entry that stands: the first one, with
    who added it and when. The no-op update makes PostgreSQL return the existing row."""
    statement = insert(ShortlistEntry).values(
        id=entry.id,
        workspace_id=entry.workspace_id,
        evaluation_template_id=entry.evaluation_template_id,
        candidate_id=entry.candidate_id,
        added_by_kind=entry.added_by_kind,
        added_by_id=entry.added_by_id,
        added_by_label=entry.added_by_label,
        created_at=entry.created_at,
    )
    standing = await db.scalar(
        statement.on_conflict_do_update(
            constraint="uq_shortlist_template_candidate",
            set_={"candidate_id": statement.excluded.candidate_id},
        )
        .returning(ShortlistEntry)
        .execution_options(populate_existing=True)
    )
    if standing is None:  # RETURNING always yields the inserted or the updated row
        raise RuntimeError("shortlist upsert returned no row")
    return standing


async def remove(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID, candidate_id: uuid.UUID
) -> bool:
    result = await db.execute(
        delete(ShortlistEntry).where(
            ShortlistEntry.workspace_id == workspace_id,
            ShortlistEntry.evaluation_template_id == template_id,
            ShortlistEntry.candidate_id == candidate_id,
        )
    )
    return bool(getattr(result, "rowcount", 0))
