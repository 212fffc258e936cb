from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, and_, func, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from vivavoce.models import EvaluationStage, EvaluationTemplate, InterviewSession
from vivavoce.templates.visibility import PRIVATE, Reader

PUBLIC = "public_template"


def seen_by(reader: Reader) -> ColumnElement[bool]:
    """The templates `reader` may see: every non-private one, and its own private ones."""
    creator = EvaluationTemplate.created_by_user_id
    own = creator.is_(None) if reader.user_id is None else creator == reader.user_id
    return or_(EvaluationTemplate.visibility != PRIVATE, own)


async def get_template(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID, *, for_update: bool = False
) -> EvaluationTemplate | None:
    query = select(EvaluationTemplate).where(
        EvaluationTemplate.id == template_id, EvaluationTemplate.workspace_id == workspace_id
    )
    if for_update:
        # FOR NO KEY UPDATE: does not block rows that merely reference the template.
        query = query.with_for_update(key_share=True)
    result: EvaluationTemplate | None = await db.scalar(query)
    return result


async def visible_template(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID, reader: Reader | None
) -> EvaluationTemplate | None:
    """A template of this workspace (that `reader` may see), or a `public_template` of any
    workspace."""
    own = EvaluationTemplate.workspace_id == workspace_id
    result: EvaluationTemplate | None = await db.scalar(
        select(EvaluationTemplate).where(
            EvaluationTemplate.id == template_id,
            or_(
                own if reader is None else and_(own, seen_by(reader)),
                EvaluationTemplate.visibility == PUBLIC,
            ),
        )
    )
    return result


async def hidden_template_ids(
    db: AsyncSession, workspace_id: uuid.UUID, reader: Reader
) -> list[uuid.UUID]:
    rows = await db.scalars(
        select(EvaluationTemplate.id).where(
            EvaluationTemplate.workspace_id == workspace_id,
            EvaluationTemplate.visibility == PRIVATE,
            ~seen_by(reader),
        )
    )
    return list(rows)


async def templates_by_ids(
    db: AsyncSession, workspace_id: uuid.UUID, template_ids: Collection[uuid.UUID]
) -> list[EvaluationTemplate]:
    if not template_ids:
        return []
    rows = await db.scalars(
        select(EvaluationTemplate).where(
            EvaluationTemplate.workspace_id == workspace_id,
            EvaluationTemplate.id.in_(list(template_ids)),
        )
    )
    return list(rows)


async def list_templates(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    limit: int,
    before: uuid.UUID | None,
    status: str | None,
    use_case: str | None,
    library: bool = False,
    reader: Reader | None = None,
) -> list[EvaluationTemplate]:
    """This workspace's templates (those `reader` may see), or (`library`) the public
    templates of every workspace."""
    query = select(EvaluationTemplate).where(
        EvaluationTemplate.visibility == PUBLIC
        if library
        else EvaluationTemplate.workspace_id == workspace_id
    )
    if reader is not None and not library:
        query = query.where(seen_by(reader))
    if status:
        query = query.where(EvaluationTemplate.status == status)
    if use_case:
        query = query.where(EvaluationTemplate.use_case == use_case)
    if before is not None:
        query = query.where(EvaluationTemplate.id < before)
    rows = await db.scalars(query.order_by(EvaluationTemplate.id.desc()).limit(limit))
    return list(rows)


async def get_stage(
    db: AsyncSession, workspace_id: uuid.UUID, stage_id: uuid.UUID, *, for_update: bool = False
) -> EvaluationStage | None:
    if not for_update:
        # A stage this unit of work already loaded (scheduling reads it, then the email
        # needs it) comes from the session's identity map, without a round trip.
        known = db.identity_map.get(identity_key(EvaluationStage, stage_id))
        if isinstance(known, EvaluationStage) and not inspect(known).expired_attributes:
            return known if known.workspace_id == workspace_id else None
    query = select(EvaluationStage).where(
        EvaluationStage.id == stage_id, EvaluationStage.workspace_id == workspace_id
    )
    if for_update:
        query = query.with_for_update(key_share=True)
    result: EvaluationStage | None = await db.scalar(query)
    return result


async def stage_by_type(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID, stage_type: str
) -> EvaluationStage | None:
    result: EvaluationStage | None = await db.scalar(
        select(EvaluationStage).where(
            EvaluationStage.workspace_id == workspace_id,
            EvaluationStage.evaluation_template_id == template_id,
            func.lower(EvaluationStage.type) == stage_type.lower(),
        )
    )
    return result


async def stages_of(
    db: AsyncSession, workspace_id: uuid.UUID, template_ids: Sequence[uuid.UUID]
) -> list[EvaluationStage]:
    """The stages of these templates, each template's in pipeline order."""
    if not template_ids:
        return []
    rows = await db.scalars(
        select(EvaluationStage)
        .where(
            EvaluationStage.workspace_id == workspace_id,
            EvaluationStage.evaluation_template_id.in_(template_ids),
        )
        .order_by(
            EvaluationStage.evaluation_template_id,
            EvaluationStage.stage_order,
            EvaluationStage.id,
        )
    )
    return list(rows)


async def next_stage_order(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID
) -> int:
    highest: int | None = await db.scalar(
        select(func.max(EvaluationStage.stage_order)).where(
            EvaluationStage.workspace_id == workspace_id,
            EvaluationStage.evaluation_template_id == template_id,
        )
    )
    return 0 if highest is None else highest + 1


async def list_stages(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    limit: int,
    before: uuid.UUID | None,
    template_id: uuid.UUID | None,
    status: str | None,
    reader: Reader | None = None,
) -> list[EvaluationStage]:
    query = select(EvaluationStage).where(EvaluationStage.workspace_id == workspace_id)
    if reader is not None:
        query = query.join(
            EvaluationTemplate, EvaluationTemplate.id == EvaluationStage.evaluation_template_id
        ).where(seen_by(reader))
    if template_id is not None:
        query = query.where(EvaluationStage.evaluation_template_id == template_id)
    if status:
        query = query.where(EvaluationStage.status == status)
    if before is not None:
        query = query.where(EvaluationStage.id < before)
    rows = await db.scalars(query.order_by(EvaluationStage.id.desc()).limit(limit))
    return list(rows)


async def add(db: AsyncSession, row: EvaluationTemplate | EvaluationStage) -> None:
    db.add(row)
    await db.flush()
    await db.refresh(row)


async def save(db: AsyncSession, row: EvaluationTemplate | EvaluationStage) -> None:
    """Write pending changes and reload server-set columns (updated_at)."""
    await db.flush()
    await db.refresh(row)


async def lock_stage_for_delete(
    db: AsyncSession, workspace_id: uuid.UUID, stage_id: uuid.UUID
) -> EvaluationStage | None:
    """FOR UPDATE (not NO KEY): waits for, and then blocks, sessions being inserted for it."""
    result: EvaluationStage | None = await db.scalar(
        select(EvaluationStage)
        .where(EvaluationStage.id == stage_id, EvaluationStage.workspace_id == workspace_id)
        .with_for_update()
    )
    return result


async def stage_has_sessions(db: AsyncSession, stage_id: uuid.UUID) -> bool:
    found = await db.scalar(
        select(InterviewSession.id).where(InterviewSession.evaluation_stage_id == stage_id).limit(1)
    )
    return found is not None


async def delete(db: AsyncSession, row: EvaluationStage) -> None:
    await db.delete(row)
    await db.flush()
