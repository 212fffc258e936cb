"""A delivery job re-claimed while its first run is still sending (the first worker's
heartbeat lapsed under load) does not send the event a second time: the attempt in flight
holds a lease on the delivery; the second run queues itself for when the lease ends. A
holder that died (SIGKILL) only delays the delivery until then: at-least-once stays."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select, text

from tests.conftest import Tenant
from tests.events.conftest import register
from tests.fixtures.receiver import Receiver
from vivavoce.config import Settings
from vivavoce.events.webhooks import service
from vivavoce.events.webhooks.sender import Outcome
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import StatementPool, unit_of_work
from vivavoce.models.webhook_delivery import WebhookDelivery
from vivavoce.runtime import Database


async def _pending_delivery(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver, database: Database
) -> tuple[uuid.UUID, str]:
    endpoint = await register(client, tenant, receiver, events=["participant.created"])
    created = await client.post(
        "/api/v1/participants",
        json={"name": "Ada Lovelace", "email": f"lease-{uuid.uuid4().hex[:8]}@example.com"},
        headers=tenant.headers,
    )
    assert created.status_code == 201, created.text
    async with unit_of_work(database.sessionmaker) as db:
        delivery = (
            await db.execute(
                select(WebhookDelivery).where(
                    WebhookDelivery.endpoint_id == uuid.UUID(endpoint["id"])
                )
            )
        ).scalar_one()
        return delivery.id, delivery.ticket


async def _queued_jobs(database: Database, delivery_id: uuid.UUID) -> int:
    async with unit_of_work(database.sessionmaker) as db:
        found = await db.execute(
            text(
                "SELECT count(*) FROM pgqueuer WHERE entrypoint = :job "
                "AND convert_from(payload, 'utf8')::jsonb ->> 'delivery_id' = :id"
            ),
            {"job": service.DELIVER_JOB, "id": str(delivery_id)},
        )
        return int(found.scalar_one())


async def test_a_reclaimed_job_waits_for_the_attempt_in_flight(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    database: Database,
    settings: Settings,
) -> None:
    delivery_id, ticket = await _pending_delivery(client, tenant, receiver, database)
    now = utcnow()
    async with unit_of_work(database.sessionmaker) as db:
        first = await service.plan_attempt(db, delivery_id, ticket, settings, now)
    assert first is not None  # the first run is sending...
    queued = await _queued_jobs(database, delivery_id)

    async with unit_of_work(database.sessionmaker) as db:  # ...when the job is claimed again
        second = await service.plan_attempt(
            db, delivery_id, ticket, settings, now + timedelta(seconds=1)
        )
    assert second is None  # nothing sent a second time
    assert await _queued_jobs(database, delivery_id) == queued + 1  # it looks again later

    async with unit_of_work(database.sessionmaker) as db:
        await service.record_attempt(
            db, first, Outcome(200, 12, "ok", None), settings, now + timedelta(seconds=2)
        )
    async with unit_of_work(database.sessionmaker) as db:  # the later look finds it done
        late = await service.plan_attempt(
            db, delivery_id, ticket, settings, now + timedelta(seconds=60)
        )
        delivery = await db.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        assert (delivery.status, delivery.attempts, delivery.lease_until) == (
            "succeeded",
            1,
            None,
        )
    assert late is None


async def test_a_dead_holder_only_delays_the_delivery_until_its_lease_ends(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    database: Database,
    settings: Settings,
) -> None:
    delivery_id, ticket = await _pending_delivery(client, tenant, receiver, database)
    now = utcnow()
    async with unit_of_work(database.sessionmaker) as db:
        assert await service.plan_attempt(db, delivery_id, ticket, settings, now) is not None
    # ...and that worker is SIGKILLed: it never records. Once the lease has run out:
    lease = settings.webhook_timeout_seconds + service.LEASE_MARGIN_SECONDS
    async with unit_of_work(database.sessionmaker) as db:
        again = await service.plan_attempt(
            db, delivery_id, ticket, settings, now + timedelta(seconds=lease + 1)
        )
    assert again is not None and again.delivery_id == delivery_id


async def test_on_the_fast_path_a_reclaimed_job_does_not_send_again(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    database: Database,
    settings: Settings,
) -> None:
    delivery_id, ticket = await _pending_delivery(client, tenant, receiver, database)
    statements = StatementPool(database.url, 2)
    try:
        fast = service.FastPath(statements, lease_seconds=60)
        first = await fast.plan(delivery_id, ticket, settings, utcnow())
        assert isinstance(first, service.Plan)  # the first run leased it and sends...
        second = await fast.plan(delivery_id, ticket, settings, utcnow())
        assert second == "transaction"  # ...the re-claimed run defers to the locked path
        queued = await _queued_jobs(database, delivery_id)
        async with unit_of_work(database.sessionmaker) as db:
            deferred = await service.plan_attempt(db, delivery_id, ticket, settings, utcnow())
        assert deferred is None  # which sees the lease: nothing sent a second time
        assert await _queued_jobs(database, delivery_id) == queued + 1

        assert await fast.record_success(first, Outcome(200, 9, "ok", None), utcnow())
        async with unit_of_work(database.sessionmaker) as db:
            delivery = await db.get(WebhookDelivery, delivery_id)
            assert delivery is not None
            assert (delivery.status, delivery.attempts, delivery.lease_until) == (
                "succeeded",
                1,
                None,
            )
    finally:
        await statements.close()
