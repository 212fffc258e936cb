"""Apply-page submissions are kept one day."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from tests.conftest import Tenant
from tests.fixtures.world import build_world
from vivavoce.applications.tasks import prune_apply_requests
from vivavoce.config import Settings
from vivavoce.kit.jobs import JobContext
from vivavoce.runtime import Database

INSERT = text(
    "INSERT INTO apply_requests (id, workspace_id, evaluation_template_id, name, email,"
    " consent_text, consented_at, otp_attempts, resend_count, status, created_at, updated_at)"
    " VALUES (gen_random_uuid(), :w, :t, :n, :e, 'ok', now(), 0, 0,"
    " 'awaiting_code', now() - make_interval(hours => :age), now())"
)


async def test_submissions_older_than_a_day_are_pruned(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    world = await build_world(client, tenant.headers)
    async with database.sessionmaker() as db, db.begin():
        await db.execute(
            INSERT,
            {"w": tenant.id, "t": world.template_id, "n": "old", "e": "old@example.com", "age": 25},
        )
        await db.execute(
            INSERT,
            {"w": tenant.id, "t": world.template_id, "n": "new", "e": "new@example.com", "age": 1},
        )
    await prune_apply_requests(JobContext(settings, database.sessionmaker), {})
    async with database.sessionmaker() as db:
        rows = await db.execute(
            text("SELECT name FROM apply_requests WHERE workspace_id = :w"), {"w": tenant.id}
        )
        assert [r[0] for r in rows] == ["new"]
