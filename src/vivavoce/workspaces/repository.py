"""Queries for workspaces, users and API keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.kit.db import StatementPool
from vivavoce.models import ApiKey, User, Workspace


async def count_workspaces(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Workspace)) or 0)


async def workspace_by_slug(db: AsyncSession, slug: str) -> Workspace | None:
    result: Workspace | None = await db.scalar(select(Workspace).where(Workspace.slug == slug))
    return result


async def all_workspaces(db: AsyncSession) -> list[Workspace]:
    return list(await db.scalars(select(Workspace).order_by(Workspace.id)))


async def workspace_for_update(db: AsyncSession, workspace_id: uuid.UUID) -> Workspace | None:
    result: Workspace | None = await db.scalar(
        select(Workspace)
        .where(Workspace.id == workspace_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
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


async def user_by_id(db: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await db.get(User, user_id)


async def users_in_workspace(db: AsyncSession, workspace_id: uuid.UUID) -> list[User]:
    result = await db.scalars(
        select(User).where(User.workspace_id == workspace_id).order_by(User.created_at, User.id)
    )
    return list(result)


async def user_in_workspace_for_update(
    db: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> User | None:
    result: User | None = await db.scalar(
        select(User)
        .where(User.id == user_id, User.workspace_id == workspace_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result


async def lock_active_admins(db: AsyncSession, workspace_id: uuid.UUID) -> list[uuid.UUID]:
    """The active admins of a workspace, locked so two demotions cannot both pass."""
    result = await db.scalars(
        select(User.id)
        .where(
            User.workspace_id == workspace_id,
            User.role == "admin",
            User.deactivated_at.is_(None),
        )
        .order_by(User.id)
        .with_for_update()
    )
    return list(result)


@dataclass(frozen=True)
class ActiveKey:
    """What authentication needs of an API key row."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    scopes: frozenset[str]
    last_used_at: datetime | None
    created_by_user_id: uuid.UUID | None


_keys = ApiKey.__table__
# Built once, and selected as plain columns: this runs on every API request, where building
# the statement and loading an ORM object cost more than the query itself.
_ACTIVE_KEY_BY_DIGEST = select(
    _keys.c.id,
    _keys.c.workspace_id,
    _keys.c.scopes,
    _keys.c.last_used_at,
    _keys.c.created_by_user_id,
).where(_keys.c.digest == bindparam("digest"), _keys.c.revoked_at.is_(None))


async def active_key_for_auth(db: AsyncSession, digest: str) -> ActiveKey | None:
    row = (await db.execute(_ACTIVE_KEY_BY_DIGEST, {"digest": digest})).first()
    if row is None:
        return None
    return ActiveKey(
        row.id, row.workspace_id, frozenset(row.scopes), row.last_used_at, row.created_by_user_id
    )


_ACTIVE_KEY_SQL = (
    "SELECT k.id, k.workspace_id, k.scopes, k.last_used_at, k.created_by_user_id, w.slug"
    " FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id"
    " WHERE k.digest = $1 AND k.revoked_at IS NULL"
)


@dataclass(frozen=True)
class KeyForAuth:
    """An active key as the API's authentication reads it: with its workspace's slug."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    workspace_slug: str
    scopes: frozenset[str]
    last_used_at: datetime | None
    created_by_user_id: uuid.UUID | None


async def active_key_read(reads: StatementPool, digest: str) -> KeyForAuth | None:
    """The same lookup as `active_key_for_auth`, in one statement outside any session."""
    row = await reads.fetchrow(_ACTIVE_KEY_SQL, digest)
    if row is None:
        return None
    return KeyForAuth(
        row["id"],
        row["workspace_id"],
        row["slug"],
        frozenset(row["scopes"]),
        row["last_used_at"],
        row["created_by_user_id"],
    )


async def touch_key_read(reads: StatementPool, key_id: uuid.UUID, now: datetime) -> None:
    await reads.execute("UPDATE api_keys SET last_used_at = $2 WHERE id = $1", key_id, now)


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
