"""`POST /sessions`' two ways (sessions.scheduling on asyncpg, and service.schedule on the
ORM) write the same rows: the session, `session.created` and its deliveries, the application and its
outcome, the invitation with its calendar entry, and every job."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from tests.conftest import Tenant
from tests.fixtures.world import add_participant, build_world
from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.db import StatementPool, libpq_url, unit_of_work
from vivavoce.runtime import Database
from vivavoce.sessions import scheduling, service
from vivavoce.sessions.schemas import SessionCreate

NOW = datetime(2036, 3, 2, 9, 0, tzinfo=UTC)


async def _schedule(
    database: Database, tenant: Tenant, body: SessionCreate, *, through_orm: bool
) -> uuid.UUID:
    links = service.SessionLinks("http://testserver", "test-secret-" + "x" * 32)
    if not through_orm:
        pool = StatementPool(database.url, 2)
        try:
            scheduled = await scheduling.schedule_plain(
                pool, tenant.id, body, links, NOW, "api", None, database.handlers
            )
        finally:
            await pool.close()
        assert scheduled is not None  # the asyncpg way took it
        return scheduled.session.id
    async with unit_of_work(database.sessionmaker) as db:
        result = await service.schedule(db, tenant.id, body, links, NOW)
    assert result.created
    return result.session.id


async def _rows(sql: asyncpg.Connection, session_id: uuid.UUID) -> dict[str, Any]:
    session = dict(await sql.fetchrow("SELECT * FROM sessions WHERE id = $1", session_id))
    application = dict(
        await sql.fetchrow(
            "SELECT * FROM template_applications WHERE id = $1", session["application_id"]
        )
    )
    events = [  # `seq` left out: the log's order, not the event's content
        {key: value for key, value in row.items() if key != "seq"}
        for row in await sql.fetch("SELECT * FROM events WHERE session_id = $1", session_id)
    ]
    deliveries = [
        dict(row)
        for row in await sql.fetch(
            "SELECT * FROM webhook_deliveries WHERE event_id = ANY($1::text[]) ORDER BY endpoint_id",
            [event["id"] for event in events],
        )
    ]
    emails = [
        dict(row)
        for row in await sql.fetch("SELECT * FROM email_messages WHERE session_id = $1", session_id)
    ]
    keys = [str(session_id), *(str(d["id"]) for d in deliveries), *(str(e["id"]) for e in emails)]
    jobs = [
        dict(row)
        for row in await sql.fetch(
            "SELECT entrypoint, payload, execute_after - created AS delay, dedupe_key, status,"
            " priority FROM pgqueuer WHERE convert_from(payload, 'utf8') LIKE ANY($1::text[])"
            " ORDER BY id",
            [f"%{key}%" for key in keys],
        )
    ]
    for job in jobs:
        job["payload"] = json.loads(job["payload"])
        job["delay"] = round(job["delay"].total_seconds() / 60)  # minutes: enqueue times differ
    email = await sql.fetchval(
        "SELECT email FROM participants WHERE id = $1", session["candidate_id"]
    )
    return {
        "participant_email": email,
        "session": session,
        "application": application,
        "events": events,
        "deliveries": deliveries,
        "emails": emails,
        "jobs": jobs,
    }


def _normalized(rows: dict[str, Any], own: dict[str, str]) -> Any:
    """The rows with what differs between two participants' sessions by nature (ids,
    tokens, stamps of the server's clock) replaced by names."""
    text = json.dumps(rows, default=str, sort_keys=True)
    for value, name in sorted(own.items(), key=lambda item: -len(item[0])):
        text = text.replace(value, name)
    return json.loads(text)


def _own_values(rows: dict[str, Any]) -> dict[str, str]:
    session, application = rows["session"], rows["application"]
    own = {
        str(session["id"]): "<session>",
        session["id"].hex: "<session-hex>",
        str(session["candidate_id"]): "<participant>",
        str(application["id"]): "<application>",
        session["join_token_digest"]: "<digest>",
        rows["participant_email"]: "<email>",
    }
    for index, event in enumerate(rows["events"]):
        own[event["id"]] = f"<event-{index}>"
    for index, delivery in enumerate(rows["deliveries"]):
        own[str(delivery["id"])] = f"<delivery-{index}>"
        own[delivery["ticket"]] = f"<ticket-{index}>"
    for index, email in enumerate(rows["emails"]):
        own[str(email["id"])] = f"<email-{index}>"
    for stamp in (session["created_at"], application["created_at"], application["updated_at"]):
        own[str(stamp)] = "<server-now>"
        own[str(isoformat_z(stamp))] = "<server-now>"
    token = _join_token(rows)
    own[token] = "<token>"
    return own


def _join_token(rows: dict[str, Any]) -> str:
    event = rows["events"][0]
    data = event["data"] if isinstance(event["data"], dict) else json.loads(event["data"])
    return str(data["session"]["join_url"]).rsplit("/", 1)[1]


async def test_both_ways_write_the_same_rows(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await build_world(client, tenant.headers)
    for path in ("/a", "/b"):  # two subscribed endpoints: two deliveries per event
        response = await client.post(
            "/api/v1/webhook-endpoints",
            json={"url": f"http://127.0.0.1:9/{path}", "events": []},
            headers=tenant.headers,
        )
        assert response.status_code == 201, response.text
    other = await add_participant(client, tenant.headers, world.template_id, "ada@example.com")
    written = {}
    for participant, through_orm in ((world.participant_id, False), (other, True)):
        body = SessionCreate(
            candidate_id=uuid.UUID(participant),
            evaluation_template_id=uuid.UUID(world.template_id),
            stage="Screen",  # matched case-insensitively, stored as the stage names itself
            scheduled_at=NOW + timedelta(days=3),
            timezone="Europe/Berlin",
            notes="bring a laptop",
            idempotency_key=f"key-{participant}",
        )
        session_id = await _schedule(database, tenant, body, through_orm=through_orm)
        sql = await asyncpg.connect(libpq_url(database.url))
        try:
            written[through_orm] = await _rows(sql, session_id)
        finally:
            await sql.close()
    fast, orm = written[False], written[True]
    assert len(fast["deliveries"]) == 2 and len(fast["emails"]) == 1
    assert {job["entrypoint"] for job in fast["jobs"]} == {
        "webhooks.deliver",
        "emails.send",
        "emails.reminder",
    }
    fast_view = _normalized(fast, _own_values(fast))
    orm_view = _normalized(orm, _own_values(orm))
    assert fast_view == orm_view


async def test_concurrent_requests_for_one_participant_and_stage_schedule_one_session(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """The open-session check reads after the participant's lock, in a statement of its own,
    so it sees what the lock's previous holder committed."""
    world = await build_world(client, tenant.headers)
    body = {
        "candidate_id": world.participant_id,
        "evaluation_template_id": world.template_id,
        "stage": "screen",
    }
    responses = await asyncio.gather(
        *(client.post("/api/v1/sessions", json=body, headers=tenant.headers) for _ in range(8))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 7, [response.text for response in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"duplicate_session"}
    listing = await client.get(
        f"/api/v1/sessions?candidate_id={world.participant_id}", headers=tenant.headers
    )
    assert len(listing.json()["data"]) == 1


async def test_text_the_database_refuses_is_a_422_and_schedules_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """A NUL in `notes`: the clear 422 of every other path, and nothing written (neither the
    session nor the application the asyncpg path writes first)."""
    world = await build_world(client, tenant.headers)
    response = await client.post(
        "/api/v1/sessions",
        json={
            "candidate_id": world.participant_id,
            "evaluation_template_id": world.template_id,
            "stage": "screen",
            "notes": "a\u0000b",
        },
        headers=tenant.headers,
    )
    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["error"]
    listing = await client.get(
        f"/api/v1/sessions?candidate_id={world.participant_id}", headers=tenant.headers
    )
    assert listing.json()["data"] == []
    applications = await client.get(
        f"/api/v1/applications?evaluation_template_id={world.template_id}", headers=tenant.headers
    )
    assert applications.status_code == 200, applications.text
    assert applications.json()["data"] == []
