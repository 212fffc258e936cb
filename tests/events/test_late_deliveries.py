"""What made a delivery late by far more than its send: each cause reproduced, in order.

1. The fast path's read leases the delivery in the same statement. When that statement
   committed but its connection was lost before the answer, the statement pool sends it
   again; the second run found the lease it had just taken, took it for another run's, and
   the job queued itself for when that lease ended (35 s with the default timeout).
2. A run that ended without an outcome (an exception while sending, the worker stopping)
   kept its lease: pgqueuer's retry, 2 s later, found the delivery held for the rest of it.
3. A receiver closing a kept-alive connection as it was reused made a failed attempt, so
   the event waited for the schedule's first retry (5 s).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests.conftest import Tenant
from tests.events.test_delivery_lease import _pending_delivery, _queued_jobs
from tests.fixtures.receiver import Receiver
from vivavoce.config import Settings
from vivavoce.events.webhooks import repository, sender, service, tasks
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import StatementPool, unit_of_work
from vivavoce.kit.jobs import JobContext
from vivavoce.models.webhook_delivery import WebhookDelivery
from vivavoce.runtime import Database


async def test_the_lease_read_sent_twice_still_leases_for_its_run(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    database: Database,
) -> None:
    delivery_id, ticket = await _pending_delivery(client, tenant, receiver, database)
    statements = StatementPool(database.url, 2)
    try:
        now = utcnow()
        lease = service.lease_until(now, 35)
        jobs = [(delivery_id, ticket)]
        first = await repository.deliveries_to_send(statements, jobs, lease, now)
        # The same statement again, as after a lost connection: still this run's lease.
        again = await repository.deliveries_to_send(statements, jobs, lease, now)
        assert first[delivery_id]["leased"] and again[delivery_id]["leased"]
        # Another run (another lease) is still kept out while it lasts.
        other = service.lease_until(now, 35)
        assert other != lease
        held = await repository.deliveries_to_send(statements, jobs, other, now)
        assert not held[delivery_id]["leased"]
    finally:
        await statements.close()


class Broken(httpx.AsyncBaseTransport):
    """A client that fails with an exception no send expects (a bug, say)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError("unexpected")


@asynccontextmanager
async def job_context(
    database: Database, settings: Settings, http: httpx.AsyncClient
) -> AsyncIterator[JobContext]:
    context = JobContext(settings=settings, sessionmaker=database.sessionmaker)
    context.resources["webhooks.http"] = http
    try:
        yield context
    finally:
        statements = context.resources.get("webhooks.statements")
        if isinstance(statements, StatementPool):
            await statements.close()


async def test_a_run_ending_without_an_outcome_releases_its_lease(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    database: Database,
    settings: Settings,
) -> None:
    delivery_id, ticket = await _pending_delivery(client, tenant, receiver, database)
    payload = {"delivery_id": str(delivery_id), "ticket": ticket}
    async with (
        httpx.AsyncClient(transport=Broken()) as broken,
        job_context(database, settings, broken) as context,
    ):
        try:
            await tasks.deliver(context, payload)
        except RuntimeError:
            pass
        else:
            raise AssertionError("the broken send did not raise")
    async with unit_of_work(database.sessionmaker) as db:
        delivery = await db.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        assert (delivery.status, delivery.lease_until) == ("pending", None)

    queued = await _queued_jobs(database, delivery_id)
    async with (
        httpx.AsyncClient(trust_env=False) as working,
        job_context(database, settings, working) as context,
    ):
        await tasks.deliver(context, payload)  # pgqueuer's retry: sends at once
    assert [r.webhook_id for r in receiver.received if r.path == "/hook"]
    assert await _queued_jobs(database, delivery_id) == queued  # nothing deferred
    async with unit_of_work(database.sessionmaker) as db:
        delivery = await db.get(WebhookDelivery, delivery_id)
        assert delivery is not None and delivery.status == "succeeded"


@asynccontextmanager
async def dropping_receiver() -> AsyncIterator[tuple[int, list[str]]]:
    """HTTP/1.1 on 127.0.0.1 answering 204 and keeping the connection alive, except that
    it closes a connection, unanswered, when a second request arrives on it: the race of a
    server dropping an idle connection just as the client reuses it, made certain."""
    requests: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                    if name.strip().lower() == "webhook-id":
                        requests.append(value.strip())
                await reader.readexactly(length)
                if served:
                    return  # closed without an answer
                served += 1
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], requests
    finally:
        server.close()
        await server.wait_closed()


async def test_a_connection_dropped_on_reuse_is_sent_again_at_once() -> None:
    outcomes = []
    async with dropping_receiver() as (port, requests), httpx.AsyncClient(trust_env=False) as http:
        for number in range(2):
            request = sender.Request(
                f"http://127.0.0.1:{port}/hook",
                f"evt_{uuid.uuid4().hex}",
                b'{"n": %d}' % number,
                ["whsec_" + "A" * 32],
            )
            outcomes.append(
                await sender.send(
                    http, request, allow_private=True, timeout_seconds=5, response_cap=256
                )
            )
    assert [o.status_code for o in outcomes] == [204, 204], [o.error for o in outcomes]
    # the second event went twice: on the dropped connection, then on a new one
    assert len(requests) == 3 and requests[1] == requests[2]
