"""The delivery job: plan (short transaction), send (no transaction), record (short one)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from vivavoce.events.webhooks import sender, service
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
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


async def deliver(context: JobContext, payload: dict[str, Any]) -> None:
    settings = context.settings
    async with unit_of_work(context.sessionmaker) as db:
        plan = await service.plan_attempt(
            db, uuid.UUID(payload["delivery_id"]), str(payload["ticket"]), settings, utcnow()
        )
    if plan is None:
        return
    outcome = await sender.send(
        _client(context),
        plan.request,
        allow_private=settings.webhooks_allow_private,
        timeout_seconds=settings.webhook_timeout_seconds,
        response_cap=settings.webhook_response_cap_bytes,
    )
    async with unit_of_work(context.sessionmaker) as db:
        await service.record_attempt(db, plan, outcome, settings, utcnow())


def register(registry: JobRegistry) -> None:
    registry.job(service.DELIVER_JOB)(deliver)
