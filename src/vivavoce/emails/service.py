"""Emails: rendered and stored when queued, sent by a job, or kept in the outbox.

`queue` renders a message, stores it and enqueues its sending job in the caller's
transaction, so an email exists exactly when the change that caused it commits. The job
(`emails.send`) reads the message in one short transaction, talks to the SMTP server with no
transaction open, and records the outcome in a second one. A worker with no SMTP server
configured moves the message to the `outbox` instead: it stays readable over the API and in
the dashboard, so every flow works offline.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.emails import repository
from vivavoce.emails.render import KINDS, OTP, render
from vivavoce.emails.schemas import STATUSES, Filters, email_public
from vivavoce.kit.clock import utcnow
from vivavoce.kit.errors import Issue, NotFound, Unprocessable
from vivavoce.kit.ids import uuid7
from vivavoce.kit.jobs import enqueue
from vivavoce.kit.pagination import Page, PageRequest, page_from_rows
from vivavoce.models import EmailMessage

SEND_JOB = "emails.send"
# Transient SMTP failures are retried by the job runner with exponential backoff (2 s, 4 s,
# … capped at 10 min); after this many attempts the message is marked failed. It must not
# exceed the job registry's max_attempts, or the runner would give up first.
MAX_SEND_ATTEMPTS = 8
_ERROR_CAP = 2000
_OTP_CODE = re.compile(r"\b\d{6}\b")
_REDACTED = "••••••"


@dataclass(frozen=True)
class Attachment:
    """A text attachment (the .ics invitations); `params` go on its Content-Type."""

    filename: str
    content_type: str
    content: str
    params: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "params": dict(self.params),
            "content": self.content,
        }

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Attachment:
        return cls(
            filename=str(item["filename"]),
            content_type=str(item["content_type"]),
            content=str(item["content"]),
            params={str(k): str(v) for k, v in (item.get("params") or {}).items()},
        )


@dataclass(frozen=True)
class Outgoing:
    """What the sending job hands to the SMTP client: a snapshot, no ORM object."""

    message_id: uuid.UUID
    kind: str
    to_address: str
    to_name: str | None
    subject: str
    text_body: str
    html_body: str
    attachments: tuple[Attachment, ...]


async def queue(
    db: AsyncSession,
    *,
    workspace_id: uuid.UUID,
    kind: str,
    to_address: str,
    to_name: str | None,
    context: Mapping[str, Any],
    branding: Mapping[str, Any] | None,
    participant_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
    attachments: Sequence[Attachment] | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """Render `kind` with `context` (see `render.render`; `candidate_name` defaults to
    `to_name`) and the template's `branding`, store it and enqueue `emails.send` in this
    transaction. The message starts `queued`; the sending worker moves it to `sent`,
    `failed`, or — with no SMTP server configured — `outbox`."""
    message = compose(
        workspace_id=workspace_id,
        kind=kind,
        to_address=to_address,
        to_name=to_name,
        context=context,
        branding=branding,
        participant_id=participant_id,
        session_id=session_id,
        attachments=attachments,
        now=now or utcnow(),
    )
    await repository.add(db, message)
    await enqueue(db, SEND_JOB, send_job_payload(message))
    return message


def send_job_payload(message: EmailMessage) -> dict[str, Any]:
    return {"message_id": str(message.id)}


def compose(
    *,
    workspace_id: uuid.UUID,
    kind: str,
    to_address: str,
    to_name: str | None,
    context: Mapping[str, Any],
    branding: Mapping[str, Any] | None,
    participant_id: uuid.UUID | None,
    session_id: uuid.UUID | None,
    attachments: Sequence[Attachment] | None,
    now: datetime,
) -> EmailMessage:
    """The message `queue` stores, rendered, not yet stored."""
    rendered = render(kind, {"candidate_name": to_name, **context}, branding)
    return EmailMessage(
        id=uuid7(),
        workspace_id=workspace_id,
        kind=kind,
        to_address=to_address,
        to_name=to_name,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        attachments=[a.as_json() for a in attachments or ()],
        status="queued",
        attempts=0,
        participant_id=participant_id,
        session_id=session_id,
        created_at=now,
        updated_at=now,
    )


async def get(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    message_id: uuid.UUID,
    hidden_template_ids: frozenset[uuid.UUID] = frozenset(),
) -> EmailMessage:
    """A message of this workspace (not about a session or participant of the templates in
    `hidden_template_ids`), or NotFound("email")."""
    message = await repository.get(
        db, message_id, workspace_id=workspace_id, hidden_template_ids=hidden_template_ids
    )
    if message is None:
        raise NotFound("email")
    return message


async def list_page(
    db: AsyncSession, workspace_id: uuid.UUID, filters: Filters, page: PageRequest
) -> Page[dict[str, Any]]:
    """The workspace's emails, newest first (the outbox and the sent log)."""
    if filters.kind is not None and filters.kind not in KINDS:
        raise Unprocessable(
            "unknown email kind", [Issue(["query", "kind"], f"one of: {', '.join(KINDS)}")]
        )
    if filters.status is not None and filters.status not in STATUSES:
        raise Unprocessable(
            "unknown email status", [Issue(["query", "status"], f"one of: {', '.join(STATUSES)}")]
        )
    rows = await repository.list_messages(
        db, workspace_id, filters, limit=page.limit + 1, before=page.before
    )
    result = page_from_rows(rows, page.limit, lambda m: m.id)
    return Page([email_public(m) for m in result.items], result.has_more, result.next_cursor)


async def erase_for_participant(
    db: AsyncSession,
    participant_id: uuid.UUID,
    *,
    workspace_id: uuid.UUID | None = None,
    to_address: str | None = None,
) -> int:
    """Delete every email of a participant (for a deletion request); with `workspace_id`
    and `to_address`, also the workspace's messages to that address that belong to no
    participant (the apply page's verification codes, sent before the participant existed).
    Returns how many were deleted."""
    return await repository.delete_for(
        db, participant_id, workspace_id=workspace_id, to_address=to_address
    )


async def calendar_sequence(db: AsyncSession, session_id: uuid.UUID, kinds: Sequence[str]) -> int:
    """How many messages of `kinds` this session already has (the next .ics SEQUENCE)."""
    return await repository.count_for_session(db, session_id, kinds)


async def sent_since(db: AsyncSession, session_id: uuid.UUID, kind: str, since: datetime) -> bool:
    return await repository.exists_since(db, session_id, kind, since)


async def plan_send(
    db: AsyncSession, message_id: uuid.UUID, *, smtp_configured: bool, now: datetime
) -> Outgoing | None:
    """The message to send now, or None: already sent or failed for good, deleted (purged),
    or — without SMTP — moved to the outbox, where it stays."""
    message = await repository.get(db, message_id, for_update=True)
    if message is None or message.status not in ("queued", "outbox"):
        return None
    if not smtp_configured:
        if message.status != "outbox":
            message.status = "outbox"
            message.updated_at = now
            await db.flush()
        return None
    return Outgoing(
        message_id=message.id,
        kind=message.kind,
        to_address=message.to_address,
        to_name=message.to_name,
        subject=message.subject,
        text_body=message.text_body,
        html_body=message.html_body,
        attachments=tuple(Attachment.from_json(item) for item in message.attachments or []),
    )


async def record_sent(db: AsyncSession, message_id: uuid.UUID, now: datetime) -> None:
    """The SMTP server accepted the message. A verification code has done its job once
    delivered, so it is blanked in the stored copy."""
    message = await repository.get(db, message_id, for_update=True)
    if message is None:
        return
    message.status = "sent"
    message.attempts += 1
    message.last_error = None
    message.sent_at = now
    message.updated_at = now
    if message.kind == OTP:
        message.subject = _OTP_CODE.sub(_REDACTED, message.subject)
        message.text_body = _OTP_CODE.sub(_REDACTED, message.text_body)
        message.html_body = _OTP_CODE.sub(_REDACTED, message.html_body)
    await db.flush()


async def record_failure(
    db: AsyncSession, message_id: uuid.UUID, error: str, *, permanent: bool, now: datetime
) -> bool:
    """Record a failed attempt. True when the message is given up (a permanent refusal, or
    out of attempts): the caller then stops; False means try again later."""
    message = await repository.get(db, message_id, for_update=True)
    if message is None:
        return True
    message.attempts += 1
    message.last_error = error[:_ERROR_CAP]
    message.updated_at = now
    if permanent or message.attempts >= MAX_SEND_ATTEMPTS:
        message.status = "failed"
    await db.flush()
    return message.status == "failed"
