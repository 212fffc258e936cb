from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from vivavoce.kit.clock import isoformat_z
from vivavoce.models import EmailMessage

# queued: waiting for the sending job; outbox: kept here because no SMTP server is
# configured; sent: accepted by the SMTP server; failed: refused for good, or out of retries.
Status = Literal["queued", "outbox", "sent", "failed"]
STATUSES: tuple[str, ...] = ("queued", "outbox", "sent", "failed")
Kind = Literal[
    "invite",
    "rescheduled",
    "cancelled",
    "reminder",
    "otp",
    "application_received",
    "application_rejected",
]


@dataclass(frozen=True)
class Filters:
    participant_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    kind: str | None = None
    status: str | None = None
    # The workspace's templates the reader may not see (`templates.service.hidden_from`):
    # emails about their sessions and participants are left out.
    hidden_template_ids: frozenset[uuid.UUID] = frozenset()


class AttachmentOut(BaseModel):
    filename: str
    content_type: str
    size: int = Field(description="Bytes, UTF-8 encoded")


class EmailOut(BaseModel):
    id: str
    kind: str
    status: str
    to_address: str
    to_name: str | None
    subject: str
    participant_id: str | None
    session_id: str | None
    attachments: list[AttachmentOut]
    attempts: int
    last_error: str | None
    sent_at: str | None
    created_at: str
    updated_at: str


class EmailDetailOut(EmailOut):
    text_body: str
    html_body: str


def _attachment(item: dict[str, Any]) -> dict[str, Any]:
    content = str(item.get("content", ""))
    return {
        "filename": str(item.get("filename", "")),
        "content_type": str(item.get("content_type", "application/octet-stream")),
        "size": len(content.encode()),
    }


def email_public(message: EmailMessage, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(message.id),
        "kind": message.kind,
        "status": message.status,
        "to_address": message.to_address,
        "to_name": message.to_name,
        "subject": message.subject,
        "participant_id": str(message.participant_id) if message.participant_id else None,
        "session_id": str(message.session_id) if message.session_id else None,
        "attachments": [_attachment(item) for item in message.attachments or []],
        "attempts": message.attempts,
        "last_error": message.last_error,
        "sent_at": isoformat_z(message.sent_at),
        "created_at": isoformat_z(message.created_at),
        "updated_at": isoformat_z(message.updated_at),
    }
    if full:
        data["text_body"] = message.text_body
        data["html_body"] = message.html_body
    return data
