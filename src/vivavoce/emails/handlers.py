"""What the candidate is told when their sessions change: handlers of `sessions`' domain
events (`kit.bus`), run in the change's transaction, subscribed by `register` (called by
`runtime.domain_handlers`). A reviewer's stage has nothing to join, so it sends nothing."""

from __future__ import annotations

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.emails import notify
from vivavoce.kit.bus import Handlers
from vivavoce.kit.jobs import JobSpec
from vivavoce.models import EvaluationTemplate, InterviewSession, Participant
from vivavoce.participants import service as participants
from vivavoce.sessions.domain_events import SessionCancelled, SessionRescheduled, SessionScheduled
from vivavoce.sessions.modes import invites_candidate
from vivavoce.templates import service as templates


async def _told(
    db: AsyncSession, session: InterviewSession
) -> tuple[Participant, EvaluationTemplate] | None:
    """The candidate and the template of a session whose stage invites the candidate; None
    for a reviewer's stage."""
    stage = await templates.get_stage(db, session.workspace_id, session.evaluation_stage_id)
    if not invites_candidate(stage.stage_type):
        return None
    participant = await participants.get(db, session.workspace_id, session.candidate_id)
    template = await templates.get_template(
        db, session.workspace_id, session.evaluation_template_id
    )
    return participant, template


async def invite(db: AsyncSession, event: SessionScheduled) -> None:
    if invites_candidate(event.stage.stage_type):
        await notify.session_scheduled(
            db, event.session, event.participant, event.template, event.join_url, event.now
        )


async def invite_on(connection: asyncpg.Connection, event: SessionScheduled) -> list[JobSpec]:
    """`invite` for a session written on asyncpg (`sessions.scheduling`, which takes only
    stages that invite)."""
    return await notify.session_scheduled_on(
        connection,
        event.session,
        event.participant,
        event.template,
        event.stage,
        event.join_url,
        event.now,
    )


async def update(db: AsyncSession, event: SessionRescheduled) -> None:
    told = await _told(db, event.session)
    if told is None:
        return
    participant, template = told
    await notify.session_rescheduled(
        db,
        event.session,
        participant,
        template,
        event.join_url,
        event.now,
        previous_scheduled_at=event.previous_scheduled_at,
    )


async def cancellation(db: AsyncSession, event: SessionCancelled) -> None:
    told = await _told(db, event.session)
    if told is None:
        return
    participant, template = told
    await notify.session_cancelled(db, event.session, participant, template, event.now)


def register(handlers: Handlers) -> None:
    handlers.subscribe(SessionScheduled, invite)
    handlers.subscribe_on(SessionScheduled, invite_on)
    handlers.subscribe(SessionRescheduled, update)
    handlers.subscribe(SessionCancelled, cancellation)
