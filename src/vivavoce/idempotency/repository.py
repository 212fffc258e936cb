from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import IdempotencyKey


async def insert_if_absent(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    key: str,
    method: str,
    path: str,
    request_hash: str,
    locked_until: datetime,
) -> bool:
    statement = (
        insert(IdempotencyKey)
        .values(
            workspace_id=workspace_id,
            key=key,
            method=method,
            path=path,
            request_hash=request_hash,
            locked_until=locked_until,
        )
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    )
    return (await db.scalar(statement)) is not None


async def get_for_update(
    db: AsyncSession, workspace_id: uuid.UUID, key: str
) -> IdempotencyKey | None:
    result: IdempotencyKey | None = await db.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.workspace_id == workspace_id, IdempotencyKey.key == key)
        .with_for_update()
    )
    return result


async def save_response(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    key: str,
    status: int,
    headers: dict[str, Any],
    body: bytes,
) -> None:
    row = await get_for_update(db, workspace_id, key)
    if row is None:
        return
    row.response_status = status
    row.response_headers = headers
    row.response_body = body
    row.locked_until = None


async def remove(db: AsyncSession, workspace_id: uuid.UUID, key: str) -> None:
    await db.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.workspace_id == workspace_id, IdempotencyKey.key == key
        )
    )


async def remove_older_than(db: AsyncSession, cutoff: datetime) -> int:
    result = await db.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
