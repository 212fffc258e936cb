"""Queries for workspaces, users and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import ApiKey, User, Workspace


async def count_workspaces(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Workspace)) or 0)


async def workspace_by_slug(db: AsyncSession, slug: str) -> Workspace | None:
    result: Workspace | None = await db.scalar(select(Workspace).where(Workspace.slug == slug))
    return result


async def workspace_by_id(db: AsyncSession, workspace_id: uuid.UUID) -> Workspace | None:
    return await db.get(Workspace, workspace_id)


async def first_workspace(db: AsyncSession) -> Workspace | None:
    result: Workspace | None = await db.scalar(select(Workspace).order_by(Workspace.id).limit(1))
    return result


async def user_by_email(db: AsyncSession, email: str) -> User | None:
    result: User | None = await db.scalar(
        select(User).where(func.lower(User.email) == email.lower())
    )
    return result


async def active_key_by_digest(db: AsyncSession, digest: str) -> ApiKey | None:
    result: ApiKey | None = await db.scalar(
        select(ApiKey).where(ApiKey.digest == digest, ApiKey.revoked_at.is_(None))
    )
    return result


async def key_in_workspace(
    db: AsyncSession, workspace_id: uuid.UUID, key_id: uuid.UUID
) -> ApiKey | None:
    result: ApiKey | None = await db.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.workspace_id == workspace_id)
    )
    return result


async def keys_in_workspace(db: AsyncSession, workspace_id: uuid.UUID) -> list[ApiKey]:
    rows = await db.scalars(
        select(ApiKey).where(ApiKey.workspace_id == workspace_id).order_by(ApiKey.id.desc())
    )
    return list(rows)


async def touch_key(db: AsyncSession, key_id: uuid.UUID, now: datetime) -> None:
    await db.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


async def lock_bootstrap(db: AsyncSession) -> None:
    """Serialise first-run setup between processes starting together."""
    await db.execute(text("SELECT pg_advisory_xact_lock(7382615002)"))
