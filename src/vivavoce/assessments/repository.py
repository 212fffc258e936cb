"""All SQL of the one-way assessments."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import AssessmentProgress, InterviewSession, SessionTurn


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
) -> list[str]:
    """Drop the unsubmitted answer, the candidate's name and the list of recordings from
    their assessments' rows; the recordings' storage keys, for the caller to delete."""
    sessions = select(InterviewSession.id).where(
        InterviewSession.workspace_id == workspace_id,
        InterviewSession.candidate_id == participant_id,
    )
    mine = AssessmentProgress.session_id.in_(sessions.scalar_subquery())
    keys = (await db.scalars(select(AssessmentProgress.media_keys).where(mine))).all()
    await db.execute(
        update(AssessmentProgress)
        .where(mine)
        .values(
            draft=None,
            draft_media=None,
            media_keys=[],
            plan=AssessmentProgress.plan.op("-")(literal("candidate_name")),
        )
    )
    return [str(key) for listed in keys for key in listed or []]


async def lock_session(db: AsyncSession, session_id: uuid.UUID) -> InterviewSession | None:
    result: InterviewSession | None = await db.scalar(
        select(InterviewSession).where(InterviewSession.id == session_id).with_for_update()
    )
    return result


async def turn(db: AsyncSession, turn_id: uuid.UUID) -> SessionTurn | None:
    result: SessionTurn | None = await db.scalar(
        select(SessionTurn).where(SessionTurn.id == turn_id).with_for_update()
    )
    return result


async def turn_text(db: AsyncSession, session_id: uuid.UUID, index: int) -> str:
    text: str | None = await db.scalar(
        select(SessionTurn.text).where(
            SessionTurn.session_id == session_id, SessionTurn.index == index
        )
    )
    return text or ""


async def earlier_words(db: AsyncSession, session_id: uuid.UUID, before: int) -> list[Any]:
    """The recognised words of the candidate's answers before turn `before`, in order."""
    rows = await db.scalars(
        select(SessionTurn.words)
        .where(
            SessionTurn.session_id == session_id,
            SessionTurn.speaker == "participant",
            SessionTurn.index < before,
            SessionTurn.words.is_not(None),
        )
        .order_by(SessionTurn.index)
    )
    return list(rows.all())


async def pending_transcriptions(db: AsyncSession, session_id: uuid.UUID) -> int:
    count: int = (
        await db.scalar(
            select(func.count())
            .select_from(SessionTurn)
            .where(
                SessionTurn.session_id == session_id,
                SessionTurn.meta["transcription"].astext == "pending",
            )
        )
        or 0
    )
    return count


async def recorded_answers(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID
) -> list[tuple[int, dict[str, Any]]]:
    """(turn index, the recording's details) of each submitted recorded answer."""
    rows = await db.execute(
        select(SessionTurn.index, SessionTurn.meta["media"])
        .where(
            SessionTurn.workspace_id == workspace_id,
            SessionTurn.session_id == session_id,
            SessionTurn.meta.has_key("media"),
        )
        .order_by(SessionTurn.index)
    )
    return [(index, media) for index, media in rows.all() if isinstance(media, dict)]
