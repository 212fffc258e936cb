"""Queries of the public apply page: its requests (`apply_requests`) and the counts its
throttles read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import ApplyRequest, EvaluationTemplate


async def template_workspace(db: AsyncSession, template_id: uuid.UUID) -> uuid.UUID | None:
    """The workspace of a template, for a public page that knows only the template's id."""
    result: uuid.UUID | None = await db.scalar(
        select(EvaluationTemplate.workspace_id).where(EvaluationTemplate.id == template_id)
    )
    return result


async def get(
    db: AsyncSession, template_id: uuid.UUID, request_id: uuid.UUID, *, for_update: bool = False
) -> ApplyRequest | None:
    query = select(ApplyRequest).where(
        ApplyRequest.id == request_id, ApplyRequest.evaluation_template_id == template_id
    )
    if for_update:
        query = query.with_for_update()
    result: ApplyRequest | None = await db.scalar(query)
    return result


async def add(db: AsyncSession, request: ApplyRequest) -> None:
    db.add(request)
    await db.flush()


async def save(db: AsyncSession, request: ApplyRequest) -> None:
    await db.flush()


async def lock_address(db: AsyncSession, template_id: uuid.UUID, email: str) -> None:
    """Serialise the requests for one address of one template until the transaction ends,
    so that two submissions at once cannot both pass the throttle."""
    await db.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"apply:{template_id}:{email.lower()}"},
    )


@dataclass(frozen=True)
class Window:
    """What one address or client did within the throttle window."""

    count: int
    oldest: datetime | None  # the earliest activity counted
    last_sent: datetime | None  # the latest code sent


async def sends_to_address(
    db: AsyncSession, template_id: uuid.UUID, email: str, since: datetime
) -> Window:
    """Codes sent to `email` for this template since `since`: each request counts its first
    code and every resend (a request resent after `since` counts whole: an upper bound)."""
    row = (
        await db.execute(
            select(
                func.coalesce(func.sum(1 + ApplyRequest.resend_count), 0),
                func.min(ApplyRequest.created_at),
                func.max(ApplyRequest.otp_sent_at),
            ).where(
                ApplyRequest.evaluation_template_id == template_id,
                func.lower(ApplyRequest.email) == email.lower(),
                ApplyRequest.otp_sent_at > since,
            )
        )
    ).one()
    return Window(int(row[0]), row[1], row[2])


async def activity_from_client(db: AsyncSession, client_ip: str, since: datetime) -> Window:
    """Submissions and resends from one client address since `since`, every template."""
    last_activity = func.coalesce(ApplyRequest.otp_sent_at, ApplyRequest.created_at)
    row = (
        await db.execute(
            select(
                func.coalesce(func.sum(1 + ApplyRequest.resend_count), 0),
                func.min(ApplyRequest.created_at),
                func.max(ApplyRequest.otp_sent_at),
            ).where(ApplyRequest.client_ip == client_ip, last_activity > since)
        )
    ).one()
    return Window(int(row[0]), row[1], row[2])


async def supersede_waiting(
    db: AsyncSession,
    template_id: uuid.UUID,
    email: str,
    keep: uuid.UUID,
    *,
    waiting: str,
    status: str,
    now: datetime,
) -> None:
    """Retire the older requests of this address still waiting for a code: only the newest
    code works."""
    await db.execute(
        update(ApplyRequest)
        .where(
            ApplyRequest.evaluation_template_id == template_id,
            func.lower(ApplyRequest.email) == email.lower(),
            ApplyRequest.status == waiting,
            ApplyRequest.id != keep,
        )
        .values(status=status, otp_digest=None, updated_at=now)
    )


async def delete_for_person(
    db: AsyncSession, workspace_id: uuid.UUID, email: str, participant_id: uuid.UUID
) -> int:
    result = await db.execute(
        delete(ApplyRequest).where(
            ApplyRequest.workspace_id == workspace_id,
            or_(
                ApplyRequest.participant_id == participant_id,
                func.lower(ApplyRequest.email) == email.lower(),
            ),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_older_than(db: AsyncSession, cutoff: datetime) -> int:
    result = await db.execute(delete(ApplyRequest).where(ApplyRequest.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
