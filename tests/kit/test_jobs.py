"""Jobs on PostgreSQL: enqueued in the caller's transaction, run by a real worker."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from tests.fixtures.jobs import finished, jobs_of
from vivavoce.config import Settings
from vivavoce.idempotency.tasks import prune_idempotency_keys
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.ids import uuid7
from vivavoce.kit.jobs import JobContext, JobRegistry, enqueue, run_worker
from vivavoce.runtime import Database


async def test_a_job_runs_only_when_its_transaction_commits(
    database: Database, settings: Settings
) -> None:
    seen: list[dict[str, Any]] = []
    done = asyncio.Event()
    registry = JobRegistry()
    marker = uuid7().hex

    @registry.job(f"test.record.{marker}")
    async def record(context: JobContext, payload: dict[str, Any]) -> None:
        seen.append(payload)
        done.set()

    class Abort(Exception):
        pass

    try:
        async with unit_of_work(database.sessionmaker) as db:
            await enqueue(db, f"test.record.{marker}", {"n": "rolled-back"})
            raise Abort
    except Abort:
        pass
    async with unit_of_work(database.sessionmaker) as db:
        await enqueue(db, f"test.record.{marker}", {"n": "committed"})
    queued = await jobs_of(database, f"test.record.{marker}")
    assert [job.payload for job in queued] == [{"n": "committed"}]  # the rolled-back one is not

    stop = asyncio.Event()
    context = JobContext(settings=settings, sessionmaker=database.sessionmaker)
    worker = asyncio.create_task(run_worker(database.url, registry, context, stop))
    try:
        await asyncio.wait_for(done.wait(), timeout=20)
        await finished(database, f"test.record.{marker}")
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=20)
    assert seen == [{"n": "committed"}]


async def test_pruning_removes_only_idempotency_keys_older_than_a_day(
    database: Database, settings: Settings
) -> None:
    workspace = uuid7()
    async with unit_of_work(database.sessionmaker) as db:
        for key, age in (("old", timedelta(hours=25)), ("fresh", timedelta(hours=1))):
            await db.execute(
                text(
                    "INSERT INTO idempotency_keys (workspace_id, key, method, path, request_hash,"
                    " created_at) VALUES (:w, :k, 'POST', '/x', 'h', :t)"
                ),
                {"w": workspace, "k": key, "t": utcnow() - age},
            )
    await prune_idempotency_keys(JobContext(settings, database.sessionmaker), {})
    async with unit_of_work(database.sessionmaker) as db:
        rows = await db.execute(
            text("SELECT key FROM idempotency_keys WHERE workspace_id = :w"), {"w": workspace}
        )
        assert [r[0] for r in rows] == ["fresh"]
