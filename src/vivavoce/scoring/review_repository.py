"""SQL of scorecard reviews: the audit trail, only ever appended to."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.models import ScorecardReview


async def add(db: AsyncSession, review: ScorecardReview) -> None:
    db.add(review)
    await db.flush()


async def for_session(db: AsyncSession, session_id: uuid.UUID) -> list[ScorecardReview]:
    """Oldest first: the order the scorecard changed in."""
    rows = await db.scalars(
        select(ScorecardReview)
        .where(ScorecardReview.session_id == session_id)
        .order_by(ScorecardReview.version)
    )
    return list(rows)
