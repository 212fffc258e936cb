from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.kit.db import RowMapper, StatementPool
from vivavoce.models import AgentProfile


async def get_in_workspace(
    db: AsyncSession, workspace_id: uuid.UUID, profile_id: uuid.UUID, *, for_update: bool = False
) -> AgentProfile | None:
    query = select(AgentProfile).where(
        AgentProfile.id == profile_id, AgentProfile.workspace_id == workspace_id
    )
    if for_update:
        query = query.with_for_update()
    result: AgentProfile | None = await db.scalar(query)
    return result


async def get_visible(
    db: AsyncSession, workspace_id: uuid.UUID, profile_id: uuid.UUID
) -> AgentProfile | None:
    """A profile of this workspace, or a public one of any workspace."""
    result: AgentProfile | None = await db.scalar(
        select(AgentProfile).where(
            AgentProfile.id == profile_id,
            or_(AgentProfile.workspace_id == workspace_id, AgentProfile.is_public.is_(True)),
        )
    )
    return result


_ROWS = RowMapper(AgentProfile)
_VISIBLE = _ROWS.select("id = $1 AND (workspace_id = $2 OR is_public)")


async def read_visible(
    reads: StatementPool, workspace_id: uuid.UUID, profile_id: uuid.UUID
) -> AgentProfile | None:
    """`get_visible` in one statement outside any session (a detached object)."""
    row = await reads.fetchrow(_VISIBLE, profile_id, workspace_id)
    return None if row is None else _ROWS.load(row)


async def list_profiles(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    limit: int,
    before: uuid.UUID | None,
    public: bool,
    use_case: str | None,
) -> list[AgentProfile]:
    query = select(AgentProfile)
    if public:
        query = query.where(AgentProfile.is_public.is_(True))
    else:
        query = query.where(AgentProfile.workspace_id == workspace_id)
    if use_case:
        query = query.where(AgentProfile.use_case == use_case)
    if before is not None:
        query = query.where(AgentProfile.id < before)
    rows = await db.scalars(query.order_by(AgentProfile.id.desc()).limit(limit))
    return list(rows)


async def add(db: AsyncSession, profile: AgentProfile) -> AgentProfile:
    db.add(profile)
    await db.flush()
    await db.refresh(profile)
    return profile
