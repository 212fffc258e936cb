from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import Participant
from vivavoce.templates.visibility import outside


def _same_template(template_id: uuid.UUID | None) -> ColumnElement[bool]:
    # The unique index treats NULL templates as equal (NULLS NOT DISTINCT); so do we.
    if template_id is None:
        return Participant.evaluation_template_id.is_(None)
    return Participant.evaluation_template_id == template_id


async def get(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    participant_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Participant | None:
    query = select(Participant).where(
        Participant.id == participant_id, Participant.workspace_id == workspace_id
    )
    if for_update:
        query = query.with_for_update(key_share=True)
    result: Participant | None = await db.scalar(query)
    return result


async def by_ids(
    db: AsyncSession, workspace_id: uuid.UUID, participant_ids: Collection[uuid.UUID]
) -> list[Participant]:
    if not participant_ids:
        return []
    rows = await db.scalars(
        select(Participant).where(
            Participant.workspace_id == workspace_id, Participant.id.in_(list(participant_ids))
        )
    )
    return list(rows)


async def by_email(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID | None, email: str
) -> Participant | None:
    """The participant holding `email` (case-insensitive) for this workspace and template."""
    result: Participant | None = await db.scalar(
        select(Participant).where(
            Participant.workspace_id == workspace_id,
            _same_template(template_id),
            func.lower(Participant.email) == email.lower(),
        )
    )
    return result


async def ids_by_email(
    db: AsyncSession, workspace_id: uuid.UUID, emails_lower: Collection[str]
) -> dict[tuple[uuid.UUID | None, str], uuid.UUID]:
    """`(template id, lower-cased email) → participant id` for these emails, any template."""
    if not emails_lower:
        return {}
    rows = await db.execute(
        select(
            Participant.evaluation_template_id, func.lower(Participant.email), Participant.id
        ).where(
            Participant.workspace_id == workspace_id,
            func.lower(Participant.email).in_(list(emails_lower)),
        )
    )
    return {(template_id, email): pid for template_id, email, pid in rows}


async def list_participants(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    limit: int,
    before: uuid.UUID | None,
    hidden_template_ids: frozenset[uuid.UUID] = frozenset(),
    template_id: uuid.UUID | None = None,
    email: str | None = None,
    external_id: str | None = None,
    status: str | None = None,
    tag: str | None = None,
) -> list[Participant]:
    query = select(Participant).where(
        Participant.workspace_id == workspace_id,
        outside(Participant.evaluation_template_id, hidden_template_ids),
    )
    if template_id is not None:
        query = query.where(Participant.evaluation_template_id == template_id)
    if email:
        query = query.where(func.lower(Participant.email) == email.lower())
    if external_id:
        query = query.where(Participant.external_id == external_id)
    if status:
        query = query.where(Participant.status == status)
    if tag:
        query = query.where(Participant.tags.contains([tag]))
    if before is not None:
        query = query.where(Participant.id < before)
    rows = await db.scalars(query.order_by(Participant.id.desc()).limit(limit))
    return list(rows)


async def add_all(db: AsyncSession, participants: list[Participant]) -> None:
    """Insert (server-set times come back through RETURNING)."""
    db.add_all(participants)
    await db.flush()


async def save(db: AsyncSession, participant: Participant) -> None:
    """Write pending changes and reload server-set columns (updated_at)."""
    await db.flush()
    await db.refresh(participant)
