"""A purge leaves no personal data in any table: every text column of every table is read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import Tenant
from tests.events.conftest import register
from tests.fixtures.jobs import drained
from tests.fixtures.receiver import Receiver
from tests.fixtures.world import build_world, created, session_body
from vivavoce.runtime import Database

NAME = "Zebulon Quartermaine"
EMAIL = "zebulon.quartermaine@example.org"
PHONE = "+44 7700 900461"
EXTERNAL = "ats-zq-99173"
RESUME = "https://cv.example.org/zebulon-quartermaine.pdf"
MARKERS = (NAME, EMAIL.split("@")[0], PHONE, EXTERNAL, "zebulon-quartermaine")


async def text_columns(database: Database) -> list[tuple[str, str]]:
    async with database.sessionmaker() as db:
        rows = await db.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public'"
                " AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea')"
            )
        )
        return [(row[0], row[1]) for row in rows]


async def tables_holding(database: Database, needle: str) -> list[str]:
    found = []
    async with database.sessionmaker() as db:
        for table, column in await text_columns(database):
            hit = await db.scalar(
                text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE :needle'),
                {"needle": f"%{needle}%"},
            )
            if hit:
                found.append(f"{table}.{column}")
    return found


@pytest.mark.usefixtures("worker")
async def test_purge_leaves_no_personal_data_in_any_table(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver, database: Database
) -> None:
    await register(client, tenant, receiver)
    world = await build_world(client, tenant.headers, email="someone-else@example.com")
    person = await created(
        await client.post(
            "/api/v1/participants",
            json={
                "name": NAME,
                "email": EMAIL,
                "phone": PHONE,
                "external_id": EXTERNAL,
                "resume_url": RESUME,
                "evaluation_template_id": world.template_id,
                "profile": {"title": f"Engineer {NAME}"},
                "metadata": {"note": NAME},
            },
            headers=tenant.headers,
        )
    )
    body: dict[str, Any] = session_body(world, notes=f"Call {NAME} on {PHONE}")
    body["candidate_id"] = person["id"]
    session = await created(
        await client.post("/api/v1/sessions", json=body, headers=tenant.headers)
    )
    await client.post(f"/api/v1/sessions/{session['id']}/cancel", headers=tenant.headers)
    await receiver.wait_for(lambda r: len(r.received) >= 4)  # the deliveries carried the data
    async with database.sessionmaker() as db, db.begin():
        # an earlier apply-page submission of the same person, still within its day
        await db.execute(
            text(
                "INSERT INTO apply_requests (id, workspace_id, evaluation_template_id, name, email,"
                " phone, consent_text, consented_at, otp_attempts, resend_count, status,"
                " created_at, updated_at) VALUES (gen_random_uuid(), :w, :t, :n, :e, :p,"
                " 'I agree', now(), 0, 0, 'awaiting_code', now(), now())"
            ),
            {"w": tenant.id, "t": world.template_id, "n": NAME, "e": EMAIL.upper(), "p": PHONE},
        )
    assert await tables_holding(database, NAME)  # the sweep can see it before the purge

    purged = await client.delete(
        f"/api/v1/participants/{person['id']}?purge=true", headers=tenant.headers
    )
    assert purged.status_code == 200, purged.text
    assert purged.json()["data"]["status"] == "archived"
    await drained(database)  # deliveries and emails in flight have written what they write

    for marker in MARKERS:
        assert await tables_holding(database, marker) == [], marker

    # anonymous counts survive: the session and its events are still there
    kept = (await client.get(f"/api/v1/sessions/{session['id']}", headers=tenant.headers)).json()[
        "data"
    ]
    assert kept["status"] == "cancelled"
    assert kept["notes"] is None
    history = (
        await client.get(f"/api/v1/sessions/{session['id']}/events", headers=tenant.headers)
    ).json()["data"]
    assert [e["event"] for e in history] == ["session.cancelled", "session.created"]
    assert history[0]["data"]["redacted"] is True
