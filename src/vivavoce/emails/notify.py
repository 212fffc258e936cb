"""What to tell a candidate, and when: the emails other domains trigger.

Each function takes ORM objects already loaded by its caller, queues the email (and, for
scheduled sessions, the reminder jobs) in the caller's transaction, and returns the queued
message — or None when there is nobody to write to (a participant whose data was erased).
`emails.handlers` calls the session ones on sessions' domain events (`kit.bus`),
`applications` the others.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.emails import ics, repository, service
from vivavoce.emails.render import (
    APPLICATION_RECEIVED,
    APPLICATION_REJECTED,
    CANCELLED,
    INVITE,
    OTP,
    REMINDER,
    RESCHEDULED,
)
from vivavoce.emails.service import Attachment
from vivavoce.kit.jobs import JobSpec, enqueue
from vivavoce.models import (
    EmailMessage,
    EvaluationStage,
    EvaluationTemplate,
    InterviewSession,
    Participant,
)
from vivavoce.templates import service as templates
from vivavoce.templates.durations import interview_minutes

REMINDER_JOB = "emails.reminder"
REMINDER_LEADS: dict[str, timedelta] = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
_CALENDAR_KINDS = (INVITE, RESCHEDULED, CANCELLED)
_SCHEDULED = "scheduled"  # sessions.state.Status.SCHEDULED


def _reachable(participant: Participant) -> bool:
    return participant.purged_at is None and bool(participant.email)


async def _session_context(
    db: AsyncSession,
    session: InterviewSession,
    template: EvaluationTemplate,
    join_url: str | None,
) -> tuple[dict[str, Any], int]:
    stage = await templates.get_stage(db, session.workspace_id, session.evaluation_stage_id)
    return _context(session, template, stage, join_url)


def _context(
    session: InterviewSession,
    template: EvaluationTemplate,
    stage: EvaluationStage,
    join_url: str | None,
) -> tuple[dict[str, Any], int]:
    duration = interview_minutes(stage.duration_minutes, template.default_duration_minutes)
    context: dict[str, Any] = {
        "role": template.template_name,
        "stage_name": stage.stage_name or stage.type.replace("_", " ").capitalize(),
        "duration_minutes": duration,
        "scheduled_at": session.scheduled_at,
        "timezone": session.timezone,
        "join_url": join_url,
    }
    return context, duration


def _event(
    session: InterviewSession,
    starts_at: datetime,
    participant: Participant,
    context: dict[str, Any],
    duration_minutes: int,
    sequence: int,
    now: datetime,
) -> ics.Event:
    join_url = context.get("join_url")
    description = f"{context['stage_name']} interview for {context['role']}."
    if join_url:
        description += (
            f"\n\nJoin your interview: {join_url}\n\nThe interview runs in your browser, "
            "by voice or by typing. This link is personal to you."
        )
    return ics.Event(
        session_id=str(session.id),
        starts_at=starts_at,
        duration=timedelta(minutes=duration_minutes),
        summary=f"{context['stage_name']} interview: {context['role']}",
        description=description,
        url=join_url,
        sequence=sequence,
        stamp=now,
        attendee_name=participant.name,
        attendee_email=participant.email,
    )


def _invitation(event: ics.Event) -> Attachment:
    return Attachment("invite.ics", "text/calendar", ics.request(event), {"method": "REQUEST"})


async def _schedule_reminders(db: AsyncSession, session: InterviewSession, now: datetime) -> None:
    """One deferred `emails.reminder` job per lead still ahead. A later reschedule does not
    delete them: each carries the time it was planned for and does nothing if that changed."""
    for job in _reminder_jobs(session, now):
        await enqueue(db, job.name, job.payload, delay=job.delay, dedupe_key=job.dedupe_key)


def _reminder_jobs(session: InterviewSession, now: datetime) -> list[JobSpec]:
    if session.scheduled_at is None:
        return []
    planned_for = session.scheduled_at.astimezone(UTC).isoformat()
    jobs = []
    for lead, before in REMINDER_LEADS.items():
        due = session.scheduled_at - before
        if due <= now:
            continue
        payload = {
            "session_id": str(session.id),
            "workspace_id": str(session.workspace_id),
            "scheduled_at": planned_for,
            "lead": lead,
        }
        key = f"{REMINDER_JOB}:{session.id}:{planned_for}:{lead}"
        jobs.append(JobSpec(REMINDER_JOB, payload, delay=due - now, dedupe_key=key))
    return jobs


async def _session_email(
    db: AsyncSession,
    kind: str,
    session: InterviewSession,
    participant: Participant,
    template: EvaluationTemplate,
    join_url: str | None,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> EmailMessage | None:
    if not _reachable(participant):
        return None
    context, duration = await _session_context(db, session, template, join_url)
    context.update(extra or {})
    attachments: list[Attachment] = []
    previous = context.get("previous_scheduled_at")
    # A session moved to "no fixed time" takes its old calendar entry away.
    starts_at = session.scheduled_at or (previous if kind == RESCHEDULED else None)
    if starts_at is not None:
        sequence = await service.calendar_sequence(db, session.id, _CALENDAR_KINDS)
        if kind == REMINDER:  # repeats the latest version, not a new one
            sequence = max(0, sequence - 1)
        event = _event(session, starts_at, participant, context, duration, sequence, now)
        if kind == CANCELLED or session.scheduled_at is None:
            attachments.append(
                Attachment("cancel.ics", "text/calendar", ics.cancel(event), {"method": "CANCEL"})
            )
        else:
            attachments.append(_invitation(event))
    return await service.queue(
        db,
        workspace_id=session.workspace_id,
        kind=kind,
        to_address=participant.email,
        to_name=participant.name,
        context=context,
        branding=template.branding,
        participant_id=participant.id,
        session_id=session.id,
        attachments=attachments,
        now=now,
    )


async def session_scheduled(
    db: AsyncSession,
    session: InterviewSession,
    participant: Participant,
    template: EvaluationTemplate,
    join_url: str,
    now: datetime,
) -> EmailMessage | None:
    """The invite: join link, time in the candidate's timezone, an .ics when the session
    has a time (else: the link works any time); plus reminders 24 h and 1 h before."""
    message = await _session_email(db, INVITE, session, participant, template, join_url, now)
    if message is not None:
        await _schedule_reminders(db, session, now)
    return message


async def session_scheduled_on(
    connection: asyncpg.Connection,
    session: InterviewSession,
    participant: Participant,
    template: EvaluationTemplate,
    stage: EvaluationStage,
    join_url: str,
    now: datetime,
) -> list[JobSpec]:
    """`session_scheduled` for a session created in this very transaction, on its
    connection; the jobs (sending, reminders) are returned for the caller to enqueue."""
    if not _reachable(participant):
        return []
    context, duration = _context(session, template, stage, join_url)
    attachments: list[Attachment] = []
    if session.scheduled_at is not None:
        # a session created in this transaction has no calendar message yet: SEQUENCE 0
        event = _event(session, session.scheduled_at, participant, context, duration, 0, now)
        attachments.append(_invitation(event))
    message = service.compose(
        workspace_id=session.workspace_id,
        kind=INVITE,
        to_address=participant.email,
        to_name=participant.name,
        context=context,
        branding=template.branding,
        participant_id=participant.id,
        session_id=session.id,
        attachments=attachments,
        now=now,
    )
    await repository.insert_on(connection, message)
    send = JobSpec(service.SEND_JOB, service.send_job_payload(message))
    return [send, *_reminder_jobs(session, now)]


async def session_rescheduled(
    db: AsyncSession,
    session: InterviewSession,
    participant: Participant,
    template: EvaluationTemplate,
    join_url: str,
    now: datetime,
    *,
    previous_scheduled_at: datetime | None = None,
) -> EmailMessage | None:
    """The update: new time, same link, an .ics with a higher SEQUENCE; new reminders (the
    old ones find the time changed and do nothing)."""
    message = await _session_email(
        db,
        RESCHEDULED,
        session,
        participant,
        template,
        join_url,
        now,
        {"previous_scheduled_at": previous_scheduled_at},
    )
    if message is not None:
        await _schedule_reminders(db, session, now)
    return message


async def session_cancelled(
    db: AsyncSession,
    session: InterviewSession,
    participant: Participant,
    template: EvaluationTemplate,
    now: datetime,
) -> EmailMessage | None:
    """The cancellation, with a METHOD:CANCEL .ics when the session had a time."""
    return await _session_email(db, CANCELLED, session, participant, template, None, now)


async def session_reminder(
    db: AsyncSession,
    session: InterviewSession,
    participant: Participant,
    template: EvaluationTemplate,
    join_url: str,
    *,
    lead: str,
    planned_for: datetime,
    now: datetime,
) -> EmailMessage | None:
    """The reminder a job planned `lead` before `planned_for`; None (nothing sent) when the
    session is no longer scheduled, was moved to another time, the moment has passed (a 24 h
    reminder running within the last hour leaves it to the 1 h one), or this reminder was
    already sent (the job ran twice)."""
    before = REMINDER_LEADS.get(lead)
    if before is None or session.status != _SCHEDULED or session.scheduled_at != planned_for:
        return None
    if now >= planned_for or (lead != "1h" and now >= planned_for - REMINDER_LEADS["1h"]):
        return None
    if await service.sent_since(db, session.id, REMINDER, planned_for - before):
        return None
    return await _session_email(
        db, REMINDER, session, participant, template, join_url, now, {"lead": lead}
    )


async def otp_code(
    db: AsyncSession,
    *,
    workspace_id: uuid.UUID,
    to_address: str,
    to_name: str | None,
    code: str,
    template: EvaluationTemplate,
    expires_minutes: int,
) -> EmailMessage:
    """The apply page's verification code. Once an SMTP server accepts it, the stored copy
    has the code blanked; in the outbox (no SMTP) it stays readable, or offline flows could
    not continue."""
    return await service.queue(
        db,
        workspace_id=workspace_id,
        kind=OTP,
        to_address=to_address,
        to_name=to_name,
        context={"role": template.template_name, "code": code, "expires_minutes": expires_minutes},
        branding=template.branding,
    )


async def application_received(
    db: AsyncSession, participant: Participant, template: EvaluationTemplate
) -> EmailMessage | None:
    """Confirms an application that waits for approval."""
    if not _reachable(participant):
        return None
    return await service.queue(
        db,
        workspace_id=participant.workspace_id,
        kind=APPLICATION_RECEIVED,
        to_address=participant.email,
        to_name=participant.name,
        context={"role": template.template_name},
        branding=template.branding,
        participant_id=participant.id,
    )


async def application_rejected(
    db: AsyncSession,
    participant: Participant,
    template: EvaluationTemplate,
    reason: str | None,
) -> EmailMessage | None:
    """A polite notice; `reason`, when given, is shown to the candidate as a note."""
    if not _reachable(participant):
        return None
    return await service.queue(
        db,
        workspace_id=participant.workspace_id,
        kind=APPLICATION_REJECTED,
        to_address=participant.email,
        to_name=participant.name,
        context={"role": template.template_name, "reason": reason or None},
        branding=template.branding,
        participant_id=participant.id,
    )
