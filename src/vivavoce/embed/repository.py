from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import EmbedToken


async def add(db: AsyncSession, row: EmbedToken) -> None:
    db.add(row)
    await db.flush()


async def redeem(
    db: AsyncSession, token_digest: str, room_digest: str, room_expires_at: datetime, now: datetime
) -> EmbedToken | None:
    """Mark the token used and give it its room key, in one statement, if it is unused and
    unexpired: of two page loads racing with one token exactly one gets the row."""
    result = await db.execute(
        update(EmbedToken)
        .where(
            EmbedToken.token_digest == token_digest,
            EmbedToken.used_at.is_(None),
            EmbedToken.expires_at > now,
        )
        .values(used_at=now, room_digest=room_digest, room_expires_at=room_expires_at)
        .returning(EmbedToken)
        .execution_options(synchronize_session=False)
    )
    row: EmbedToken | None = result.scalar_one_or_none()
    return row


async def by_room_digest(db: AsyncSession, room_digest: str, now: datetime) -> EmbedToken | None:
    row: EmbedToken | None = await db.scalar(
        select(EmbedToken).where(
            EmbedToken.room_digest == room_digest, EmbedToken.room_expires_at > now
        )
    )
    return row


async def by_token_digest(db: AsyncSession, token_digest: str) -> EmbedToken | None:
    row: EmbedToken | None = await db.scalar(
        select(EmbedToken).where(EmbedToken.token_digest == token_digest)
    )
    return row
