from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg
from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.emails.schemas import Filters
from vivavoce.models import EmailMessage
from vivavoce.templates.visibility import about_none_hidden


def _about_none_hidden(hidden: frozenset[uuid.UUID]) -> list[ColumnElement[bool]]:
    return about_none_hidden(
        hidden, session_id=EmailMessage.session_id, participant_id=EmailMessage.participant_id
    )


async def add(db: AsyncSession, message: EmailMessage) -> None:
    db.add(message)
    await db.flush()


_INSERT = """
INSERT INTO email_messages
    (id, workspace_id, kind, to_address, to_name, subject, text_body, html_body, attachments,
     status, attempts, participant_id, session_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, $11, $12, $13, $14, $15)
"""


async def insert_on(connection: asyncpg.Connection, message: EmailMessage) -> None:
    """`add` on a connection inside the caller's transaction."""
    await connection.execute(
        _INSERT,
        message.id,
        message.workspace_id,
        message.kind,
        message.to_address,
        message.to_name,
        message.subject,
        message.text_body,
        message.html_body,
        json.dumps(message.attachments),
        message.status,
        message.attempts,
        message.participant_id,
        message.session_id,
        message.created_at,
        message.updated_at,
    )


async def get(
    db: AsyncSession,
    message_id: uuid.UUID,
    *,
    workspace_id: uuid.UUID | None = None,
    for_update: bool = False,
    hidden_template_ids: frozenset[uuid.UUID] = frozenset(),
) -> EmailMessage | None:
    query = select(EmailMessage).where(
        EmailMessage.id == message_id, *_about_none_hidden(hidden_template_ids)
    )
    if workspace_id is not None:
        query = query.where(EmailMessage.workspace_id == workspace_id)
    if for_update:
        query = query.with_for_update()
    result: EmailMessage | None = await db.scalar(query)
    return result


async def list_messages(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    filters: Filters,
    *,
    limit: int,
    before: uuid.UUID | None,
) -> list[EmailMessage]:
    query = select(EmailMessage).where(
        EmailMessage.workspace_id == workspace_id,
        *_about_none_hidden(filters.hidden_template_ids),
    )
    if filters.participant_id is not None:
        query = query.where(EmailMessage.participant_id == filters.participant_id)
    if filters.session_id is not None:
        query = query.where(EmailMessage.session_id == filters.session_id)
    if filters.kind is not None:
        query = query.where(EmailMessage.kind == filters.kind)
    if filters.status is not None:
        query = query.where(EmailMessage.status == filters.status)
    if before is not None:
        query = query.where(EmailMessage.id < before)
    rows = await db.scalars(query.order_by(EmailMessage.id.desc()).limit(limit))
    return list(rows)


async def count_for_session(db: AsyncSession, session_id: uuid.UUID, kinds: Sequence[str]) -> int:
    count = await db.scalar(
        select(func.count())
        .select_from(EmailMessage)
        .where(EmailMessage.session_id == session_id, EmailMessage.kind.in_(kinds))
    )
    return int(count or 0)


async def exists_since(db: AsyncSession, session_id: uuid.UUID, kind: str, since: datetime) -> bool:
    found = await db.scalar(
        select(EmailMessage.id)
        .where(
            EmailMessage.session_id == session_id,
            EmailMessage.kind == kind,
            EmailMessage.created_at >= since,
        )
        .limit(1)
    )
    return found is not None


async def delete_for(
    db: AsyncSession,
    participant_id: uuid.UUID,
    *,
    workspace_id: uuid.UUID | None,
    to_address: str | None,
) -> int:
    condition: ColumnElement[bool] = EmailMessage.participant_id == participant_id
    if workspace_id is not None and to_address:
        condition = or_(
            condition,
            (EmailMessage.workspace_id == workspace_id)
            & EmailMessage.participant_id.is_(None)  # another participant's mail stays
            & (func.lower(EmailMessage.to_address) == to_address.lower()),
        )
    result = await db.execute(delete(EmailMessage).where(condition))
    return int(getattr(result, "rowcount", 0) or 0)
