"""`events.record_on` writes an event and its deliveries in one statement: the same rows as
`events.record` on the ORM (one delivery per enabled endpoint subscribed to the event, the
same payload), also for a workspace with more subscribed endpoints than the statement has
room for."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import Tenant
from vivavoce.events import service as events
from vivavoce.events.webhooks import service as webhooks
from vivavoce.kit.db import libpq_url, raw_connection, unit_of_work
from vivavoce.kit.jobs import enqueue_on
from vivavoce.runtime import Database

NOW = datetime(2036, 3, 2, 9, 0, 7, 123456, tzinfo=UTC)
DATA = {"session": {"id": "s-1", "name": 'Zoë 😀 "quoted"', "score": 0.1, "tags": [1, None]}}


async def _endpoint(
    client: httpx.AsyncClient, tenant: Tenant, path: str, events_: list[str], enabled: bool = True
) -> str:
    response = await client.post(
        "/api/v1/webhook-endpoints",
        json={"url": f"http://127.0.0.1:9{path}", "events": events_, "enabled": enabled},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


async def _written(database: Database, event_id: str) -> dict[str, Any]:
    sql = await asyncpg.connect(libpq_url(database.url))
    try:
        event = await sql.fetchrow("SELECT * FROM events WHERE id = $1", event_id)
        deliveries = await sql.fetch(
            "SELECT * FROM webhook_deliveries WHERE event_id = $1 ORDER BY endpoint_id", event_id
        )
        jobs = await sql.fetch(
            "SELECT convert_from(payload, 'utf8')::jsonb ->> 'delivery_id' AS id FROM pgqueuer"
            " WHERE entrypoint = 'webhooks.deliver'"
        )
    finally:
        await sql.close()
    assert event is not None
    return {
        "data": json.loads(event["data"]),
        "deliveries": [
            {
                "endpoint_id": str(d["endpoint_id"]),
                "payload": {**json.loads(d["payload"]), "id": "<event>"},
                "status": d["status"],
                "attempts": d["attempts"],
                "next_attempt_at": d["next_attempt_at"],
                "event_type": d["event_type"],
            }
            for d in deliveries
        ],
        "ids": {str(d["id"]) for d in deliveries},
        "queued": {row["id"] for row in jobs},
    }


async def _record(database: Database, tenant: Tenant, *, on_connection: bool) -> str:
    async with unit_of_work(database.sessionmaker) as db:
        if not on_connection:
            event = await events.record(db, tenant.id, "session.created", DATA, NOW)
            return event.id
        connection = await raw_connection(db)
        jobs = await events.record_on(connection, tenant.id, "session.created", DATA, NOW)
        await enqueue_on(connection, jobs)
    async with unit_of_work(database.sessionmaker) as db:
        listing = await events.list_events(db, tenant.id, limit=1)
    return str(listing.items[0]["id"])


@pytest.mark.parametrize("extra", [0, webhooks.EVENT_SLOTS + 2])
async def test_one_statement_writes_what_the_orm_way_writes(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, extra: int
) -> None:
    await _endpoint(client, tenant, "/all", [])
    await _endpoint(client, tenant, "/created", ["session.created", "session.started"])
    await _endpoint(client, tenant, "/other", ["session.completed"])  # not subscribed
    await _endpoint(client, tenant, "/off", [], enabled=False)  # disabled
    for n in range(extra):  # more than the statement has room for
        await _endpoint(client, tenant, f"/more{n}", [])
    fast = await _written(database, await _record(database, tenant, on_connection=True))
    orm = await _written(database, await _record(database, tenant, on_connection=False))
    assert len(fast["deliveries"]) == 2 + extra
    assert fast["data"] == orm["data"] == DATA
    assert fast["deliveries"] == orm["deliveries"]
    assert fast["deliveries"][0]["payload"] == {
        "id": "<event>",
        "event": "session.created",
        "occurred_at": "2036-03-02T09:00:07Z",
        "data": DATA,
    }
    assert fast["ids"] <= fast["queued"]  # every delivery has its job
    assert all(uuid.UUID(i).version == 7 for i in fast["ids"])
