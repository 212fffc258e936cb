"""The delivery job: plan (short transaction), send (no transaction), record (short one)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

import httpx

from vivavoce.events.webhooks import sender, service
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import StatementPool, unit_of_work
from vivavoce.kit.jobs import JobContext, JobRegistry


def _client(context: JobContext) -> httpx.AsyncClient:
    client = context.resources.get("webhooks.http")
    if not isinstance(client, httpx.AsyncClient) or client.is_closed:
        client = httpx.AsyncClient(
            trust_env=False,  # proxies from the environment would bypass the SSRF guard
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )
        context.resources["webhooks.http"] = client
    return client


def _fast_path(context: JobContext) -> service.FastPath:
    """The happy path's statements, on connections apart from the ORM sessions' pool (closed
    by the worker when it stops)."""
    fast = context.resources.get("webhooks.fast_path")
    if not isinstance(fast, service.FastPath):
        pool = StatementPool(
            context.database_url,
            context.settings.database_pool_size,
            "vivavoce-webhooks",
            # Recording a success does not wait for its WAL flush. Safe: the job is
            # acknowledged later, in a transaction that does wait, and WAL is flushed in
            # order; if the server crashes before that, the job runs again (at least once).
            # The two statements take arrays of ids: PostgreSQL planned them afresh on almost
            # every call (custom plans, ~0.5 ms each); their generic plans are the same
            # index lookups.
            {"synchronous_commit": "off", "plan_cache_mode": "force_generic_plan"},
        )
        context.resources["webhooks.statements"] = pool
        lease = context.settings.webhook_timeout_seconds + service.LEASE_MARGIN_SECONDS
        fast = context.resources["webhooks.fast_path"] = service.FastPath(pool, lease)
    return fast


async def deliver(context: JobContext, payload: dict[str, Any]) -> None:
    """Two statements when all goes well (read, then record), each shared with the jobs
    of this worker at the same step; the ORM and its locks for the rest (disabled endpoints,
    failures and their retries, replays meanwhile)."""
    settings = context.settings
    delivery_id, ticket = uuid.UUID(payload["delivery_id"]), str(payload["ticket"])
    fast = _fast_path(context)
    quick = await fast.plan(delivery_id, ticket, settings, utcnow())
    if quick == "transaction" or quick == "transaction_leased":
        async with unit_of_work(context.sessionmaker) as db:
            plan = await service.plan_attempt(
                db,
                delivery_id,
                ticket,
                settings,
                utcnow(),
                lease_is_ours=quick == "transaction_leased",
            )
    else:
        plan = quick
    if plan is None:
        return
    try:
        outcome = await sender.send(
            _client(context),
            plan.request,
            allow_private=settings.webhooks_allow_private,
            timeout_seconds=settings.webhook_timeout_seconds,
            response_cap=settings.webhook_response_cap_bytes,
        )
    except BaseException:
        # No outcome to record (a bug, or the worker stopping): without this the retry
        # would wait out the lease, a delivery late by the send timeout plus its margin.
        with contextlib.suppress(Exception):
            await asyncio.shield(fast.release(plan))
        raise
    if await fast.record_success(plan, outcome, utcnow()):
        return
    async with unit_of_work(context.sessionmaker) as db:
        await service.record_attempt(db, plan, outcome, settings, utcnow())


def register(registry: JobRegistry) -> None:
    registry.job(service.DELIVER_JOB)(deliver)
