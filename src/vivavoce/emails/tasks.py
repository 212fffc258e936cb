"""Email jobs: `emails.send` (one message over SMTP) and `emails.reminder` (24 h / 1 h
before a scheduled session)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from vivavoce.emails import mailer, notify, service
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import NotFound
from vivavoce.kit.jobs import JobContext, JobRegistry
from vivavoce.participants import service as participants
from vivavoce.sessions import service as sessions
from vivavoce.templates import service as templates


class SendDeferred(Exception):
    """A transient SMTP failure: raised so the job runner retries with backoff."""


async def send(context: JobContext, payload: dict[str, Any]) -> None:
    """Read (short transaction), send (no transaction), record (short transaction)."""
    settings = context.settings
    message_id = uuid.UUID(payload["message_id"])
    async with unit_of_work(context.sessionmaker) as db:
        outgoing = await service.plan_send(
            db, message_id, smtp_configured=bool(settings.smtp_host), now=utcnow()
        )
    if outgoing is None:
        return
    try:
        await mailer.send(outgoing, settings, utcnow())
    except mailer.SendError as exc:
        async with unit_of_work(context.sessionmaker) as db:
            given_up = await service.record_failure(
                db, message_id, str(exc), permanent=exc.permanent, now=utcnow()
            )
        if not given_up:
            raise SendDeferred(str(exc)) from exc
        return
    async with unit_of_work(context.sessionmaker) as db:
        await service.record_sent(db, message_id, utcnow())


async def remind(context: JobContext, payload: dict[str, Any]) -> None:
    """Queue the reminder if the session is still scheduled for the planned time."""
    settings = context.settings
    workspace_id = uuid.UUID(payload["workspace_id"])
    session_id = uuid.UUID(payload["session_id"])
    links = sessions.SessionLinks(settings.base_url, settings.secret_key)
    async with unit_of_work(context.sessionmaker) as db:
        try:
            session = await sessions.get(db, workspace_id, session_id)
            participant = await participants.get(db, workspace_id, session.candidate_id)
            template = await templates.get_template(
                db, workspace_id, session.evaluation_template_id
            )
        except NotFound:
            return  # deleted since: nothing to remind
        await notify.session_reminder(
            db,
            session,
            participant,
            template,
            links.join_url(session),
            lead=str(payload["lead"]),
            planned_for=datetime.fromisoformat(str(payload["scheduled_at"])),
            now=utcnow(),
        )


def register(registry: JobRegistry) -> None:
    registry.job(service.SEND_JOB)(send)
    registry.job(notify.REMINDER_JOB)(remind)
