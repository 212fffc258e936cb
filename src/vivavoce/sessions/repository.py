from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.kit.db import RowMapper, StatementPool
from vivavoce.models import (
    Application,
    EmbedToken,
    InterviewSession,
    Participant,
    SessionLiveness,
    SessionTurn,
)
from vivavoce.sessions.schemas import SessionFilters
from vivavoce.sessions.state import OPEN
from vivavoce.templates.visibility import outside


async def get(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID, *, for_update: bool = False
) -> InterviewSession | None:
    query = select(InterviewSession).where(
        InterviewSession.id == session_id, InterviewSession.workspace_id == workspace_id
    )
    if for_update:
        # a row locked is read afresh: a copy loaded earlier in this transaction (a
        # visibility check, a list) must not decide a transition on stale values
        query = query.with_for_update().execution_options(populate_existing=True)
    result: InterviewSession | None = await db.scalar(query)
    return result


_ROWS = RowMapper(InterviewSession)
# In the workspace, and not of a template private to another user than $3 (NULL: a key made
# without a user): `templates.visibility.Reader.sees` in SQL, for the one-statement fast path
# (tests/templates/test_private_reach.py checks both answers agree).
_VISIBLE_IN_WORKSPACE = _ROWS.select(
    "id = $1 AND workspace_id = $2 AND NOT EXISTS (SELECT 1 FROM evaluation_templates t"
    " WHERE t.id = evaluation_template_id AND t.visibility = 'private'"
    " AND t.created_by_user_id IS DISTINCT FROM $3)"
)


async def read(
    reads: StatementPool,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    reader_user_id: uuid.UUID | None,
) -> InterviewSession | None:
    """`get` in one statement outside any session (a detached object), unless the session's
    template is private to another user than `reader_user_id`."""
    row = await reads.fetchrow(_VISIBLE_IN_WORKSPACE, session_id, workspace_id, reader_user_id)
    return None if row is None else _ROWS.load(row)


async def get_by_token_digest(
    db: AsyncSession, token_digest: str, *, for_update: bool = False
) -> InterviewSession | None:
    """The session of a join token, or of an embedded page's room key (docs/embed.md) while
    that key is valid: every candidate-facing route takes either."""
    embedded = (
        select(EmbedToken.session_id)
        .where(EmbedToken.room_digest == token_digest, EmbedToken.room_expires_at > func.now())
        .scalar_subquery()
    )
    query = select(InterviewSession).where(
        or_(InterviewSession.join_token_digest == token_digest, InterviewSession.id == embedded)
    )
    if for_update:
        # a row locked is read afresh: a copy loaded earlier in this transaction (a
        # visibility check, a list) must not decide a transition on stale values
        query = query.with_for_update().execution_options(populate_existing=True)
    result: InterviewSession | None = await db.scalar(query)
    return result


async def get_by_idempotency_key(
    db: AsyncSession, workspace_id: uuid.UUID, key: str
) -> InterviewSession | None:
    result: InterviewSession | None = await db.scalar(
        select(InterviewSession).where(
            InterviewSession.workspace_id == workspace_id, InterviewSession.idempotency_key == key
        )
    )
    return result


async def lock_participant(db: AsyncSession, participant_id: uuid.UUID) -> None:
    """Serialise session creation per participant (the duplicate check then holds)."""
    await db.execute(
        select(Participant.id).where(Participant.id == participant_id).with_for_update()
    )


async def open_session_for(
    db: AsyncSession, candidate_id: uuid.UUID, stage_id: uuid.UUID
) -> InterviewSession | None:
    result: InterviewSession | None = await db.scalar(
        select(InterviewSession)
        .where(
            InterviewSession.candidate_id == candidate_id,
            InterviewSession.evaluation_stage_id == stage_id,
            InterviewSession.status.in_([s.value for s in OPEN]),
        )
        .order_by(InterviewSession.id.desc())
        .limit(1)
    )
    return result


async def add(db: AsyncSession, session: InterviewSession) -> InterviewSession:
    """Insert; the server's defaults come back in the INSERT's RETURNING (the mapper's
    `eager_defaults`), not in a read after it."""
    db.add(session)
    await db.flush()
    return session


async def list_sessions(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    filters: SessionFilters,
    *,
    limit: int,
    before: uuid.UUID | None,
) -> list[InterviewSession]:
    query = select(InterviewSession).where(InterviewSession.workspace_id == workspace_id)
    if filters.status is not None:
        query = query.where(InterviewSession.status == filters.status)
    if filters.candidate_id is not None:
        query = query.where(InterviewSession.candidate_id == filters.candidate_id)
    if filters.template_id is not None:
        query = query.where(InterviewSession.evaluation_template_id == filters.template_id)
    hidden = filters.hidden_template_ids
    query = query.where(outside(InterviewSession.evaluation_template_id, hidden))
    if filters.stage is not None:
        query = query.where(func.lower(InterviewSession.stage) == filters.stage.lower())
    if filters.created_after is not None:
        query = query.where(InterviewSession.created_at > filters.created_after)
    if filters.created_before is not None:
        query = query.where(InterviewSession.created_at < filters.created_before)
    if filters.external_id is not None:
        query = query.where(InterviewSession.external_id == filters.external_id)
    if before is not None:
        query = query.where(InterviewSession.id < before)
    rows = await db.scalars(query.order_by(InterviewSession.id.desc()).limit(limit))
    return list(rows)


async def erase_participant_fields(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    await db.execute(
        update(InterviewSession)
        .where(
            InterviewSession.workspace_id == workspace_id,
            InterviewSession.candidate_id == participant_id,
        )
        .values(notes=None, external_id=None)
    )
    await erase_turn_text(db, workspace_id, participant_id)
    await _erase_reviewer_notes(db, workspace_id, participant_id)


REVIEWER_SCORERS = ("reviewer", "final_review")


async def _erase_reviewer_notes(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    """A person's words about the candidate (a manual review's notes, a final decision's
    reason) go with the candidate's data; the scores and decisions stay."""
    reviewed = await db.scalars(
        select(InterviewSession).where(
            InterviewSession.workspace_id == workspace_id,
            InterviewSession.candidate_id == participant_id,
            InterviewSession.scorer.in_(REVIEWER_SCORERS),
        )
    )
    for session in reviewed:
        session.ai_feedback = None
        session.evaluation_breakdown = [
            {**item, "feedback": ""} for item in session.evaluation_breakdown or []
        ]
    await db.flush()


async def take_recording_keys(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> list[str]:
    owned = (
        InterviewSession.workspace_id == workspace_id,
        InterviewSession.candidate_id == participant_id,
        InterviewSession.recording_key.is_not(None),
    )
    keys = await db.scalars(select(InterviewSession.recording_key).where(*owned).with_for_update())
    found = [key for key in keys if key]
    await db.execute(update(InterviewSession).where(*owned).values(recording_key=None))
    return found


async def set_recording_key(db: AsyncSession, session_id: uuid.UUID, key: str) -> None:
    await db.execute(
        update(InterviewSession)
        .where(
            InterviewSession.id == session_id, InterviewSession.recording_key.is_distinct_from(key)
        )
        .values(recording_key=key)
    )


async def get_by_id(
    db: AsyncSession, session_id: uuid.UUID, *, for_update: bool = False
) -> InterviewSession | None:
    query = select(InterviewSession).where(InterviewSession.id == session_id)
    if for_update:
        # a row locked is read afresh: a copy loaded earlier in this transaction (a
        # visibility check, a list) must not decide a transition on stale values
        query = query.with_for_update().execution_options(populate_existing=True)
    result: InterviewSession | None = await db.scalar(query)
    return result


@dataclass(frozen=True)
class TurnFence:
    """What a turn's write checks under the session's row lock."""

    workspace_id: uuid.UUID
    status: str
    live_connection_id: str | None


async def lock_for_turn(db: AsyncSession, session_id: uuid.UUID) -> TurnFence | None:
    """Lock the session's row and read the three columns a turn's write needs (loading the
    whole row into an ORM object was the largest part of storing a turn)."""
    row = (
        await db.execute(
            select(
                InterviewSession.workspace_id,
                InterviewSession.status,
                InterviewSession.live_connection_id,
            )
            .where(InterviewSession.id == session_id)
            .with_for_update()
        )
    ).first()
    return None if row is None else TurnFence(row[0], row[1], row[2])


async def live_holder(db: AsyncSession, session_id: uuid.UUID) -> str | None:
    """The connection holding the live room, read without a row lock (never waits)."""
    holder: str | None = await db.scalar(
        select(InterviewSession.live_connection_id).where(InterviewSession.id == session_id)
    )
    return holder


async def touch_liveness(
    db: AsyncSession, session_id: uuid.UUID, connection_id: str, seen_at: datetime
) -> None:
    statement = insert(SessionLiveness).values(
        session_id=session_id, connection_id=connection_id, seen_at=seen_at
    )
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[SessionLiveness.session_id, SessionLiveness.connection_id],
            set_={"seen_at": statement.excluded.seen_at},
        )
    )


async def liveness_seen(
    db: AsyncSession, session_id: uuid.UUID, connection_id: str
) -> datetime | None:
    seen: datetime | None = await db.scalar(
        select(SessionLiveness.seen_at).where(
            SessionLiveness.session_id == session_id,
            SessionLiveness.connection_id == connection_id,
        )
    )
    return seen


async def next_turn_index(db: AsyncSession, session_id: uuid.UUID) -> int:
    highest = await db.scalar(
        select(func.max(SessionTurn.index)).where(SessionTurn.session_id == session_id)
    )
    return 0 if highest is None else int(highest) + 1


async def turns_after(
    db: AsyncSession, session_id: uuid.UUID, after: int, limit: int = 1000
) -> list[SessionTurn]:
    rows = await db.scalars(
        select(SessionTurn)
        .where(SessionTurn.session_id == session_id, SessionTurn.index > after)
        .order_by(SessionTurn.index)
        .limit(limit)
    )
    return list(rows)


async def erase_turn_text(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    sessions = select(InterviewSession.id).where(
        InterviewSession.workspace_id == workspace_id,
        InterviewSession.candidate_id == participant_id,
    )
    await db.execute(
        update(SessionTurn).where(SessionTurn.session_id.in_(sessions)).values(text="", meta={})
    )


# The application row that ties a participant's sessions of a template together, created
# with their first session (`service.ensure_application`).
async def application_for_pair(
    db: AsyncSession, template_id: uuid.UUID, candidate_id: uuid.UUID
) -> Application | None:
    result: Application | None = await db.scalar(
        select(Application).where(
            Application.evaluation_template_id == template_id,
            Application.candidate_id == candidate_id,
        )
    )
    return result


async def insert_application_if_absent(db: AsyncSession, application: Application) -> bool:
    """Insert unless the (template, participant) pair exists; True when this call created it."""
    statement = (
        insert(Application)
        .values(
            id=application.id,
            workspace_id=application.workspace_id,
            evaluation_template_id=application.evaluation_template_id,
            candidate_id=application.candidate_id,
            source=application.source,
            approval_status=application.approval_status,
            outcome=application.outcome,
        )
        .on_conflict_do_nothing(index_elements=["evaluation_template_id", "candidate_id"])
        .returning(Application.id)
    )
    return (await db.scalar(statement)) is not None
