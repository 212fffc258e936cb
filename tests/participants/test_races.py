"""Losing the race for an email on real PostgreSQL: a 409 naming the winner, never a 500."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Tenant
from tests.emails.smtp import eventually
from vivavoce.kit.errors import Conflict
from vivavoce.participants import service
from vivavoce.participants.schemas import BulkCreate, ParticipantCreate
from vivavoce.runtime import Database


def body(email: str) -> ParticipantCreate:
    return ParticipantCreate(name="Grace Hopper", email=email)


async def blocked_by(database: Database, holder: AsyncSession) -> None:
    """Wait until another transaction waits for a lock `holder`'s transaction holds."""
    pid = await holder.scalar(text("SELECT pg_backend_pid()"))

    async def waiting() -> bool:
        async with database.sessionmaker() as db:
            found = await db.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
                ),
                {"pid": pid},
            )
        return bool(found)

    await eventually(waiting)


async def test_a_create_that_loses_the_race_is_a_conflict_and_the_transaction_survives(
    database: Database, tenant: Tenant
) -> None:
    async def loser() -> tuple[str, uuid.UUID]:
        async with database.sessionmaker() as db, db.begin():
            with pytest.raises(Conflict) as raised:
                await service.create(db, tenant.id, body("Race@example.com"))
            assert raised.value.code == "duplicate_participant"
            # The savepoint kept this transaction usable: it can still write and commit.
            other = await service.create(db, tenant.id, body("other@example.com"))
            return raised.value.details["existing_id"], other.id

    async with database.sessionmaker() as db, db.begin():
        winner = await service.create(db, tenant.id, body("race@example.com"))
        task = asyncio.create_task(loser())
        await blocked_by(database, db)  # blocked on the unique index until the winner commits
        assert not task.done()
    existing_id, other_id = await task
    assert existing_id == str(winner.id)
    async with database.sessionmaker() as db:
        assert (await service.get(db, tenant.id, winner.id)).email == "race@example.com"
        assert (await service.get(db, tenant.id, other_id)).email == "other@example.com"


async def test_a_bulk_create_that_loses_the_race_skips_the_taken_email(
    database: Database, tenant: Tenant
) -> None:
    batch = BulkCreate(participants=[body("a@example.com"), body("b@example.com")])

    async def loser() -> service.BulkResult:
        async with database.sessionmaker() as db, db.begin():
            return await service.bulk_create(db, tenant.id, batch)

    async with database.sessionmaker() as db, db.begin():
        winner = await service.create(db, tenant.id, body("B@example.com"))
        task = asyncio.create_task(loser())
        await blocked_by(database, db)
        assert not task.done()
    result = await task
    assert [p.email for p in result.created] == ["a@example.com"]
    assert [(s.index, s.reason, s.existing_id) for s in result.skipped] == [
        (1, "already_exists", winner.id)
    ]
