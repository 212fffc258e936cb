"""Webhook endpoints and deliveries.

Fan-out runs inside the transaction that writes an event: one delivery row per subscribed
endpoint and one job per delivery, committed with the event or not at all. A delivery job
reads what to send (short transaction), sends it with no transaction open, then records the
attempt and schedules the next one (second short transaction).
"""

from __future__ import annotations

import contextlib
import json
import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import asyncpg
from cryptography.exceptions import InvalidTag
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.config import Settings
from vivavoce.events.webhooks import repository
from vivavoce.events.webhooks.schemas import (
    TEST_EVENT,
    EndpointCreate,
    EndpointUpdate,
    delivery_public,
    endpoint_public,
)
from vivavoce.events.webhooks.sender import Outcome, Request
from vivavoce.kit import crypto, signing, ssrf
from vivavoce.kit.clock import isoformat_z, utcnow
from vivavoce.kit.coalesce import Coalescer
from vivavoce.kit.db import StatementPool, raw_connection
from vivavoce.kit.errors import Conflict, Issue, NotFound, Unprocessable
from vivavoce.kit.ids import new_event_id, uuid7
from vivavoce.kit.jobs import JobSpec, enqueue, enqueue_many
from vivavoce.kit.pagination import Page, PageRequest, page_from_rows
from vivavoce.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

DELIVER_JOB = "webhooks.deliver"
# An attempt holds its delivery for the send timeout plus this long (time to record the
# outcome on a busy database); a worker SIGKILLed mid-send delays the retry by at most that.
LEASE_MARGIN_SECONDS = 20.0
MAX_RETRY_AFTER_SECONDS = 86_400.0
_STATUSES = ("pending", "succeeded", "failed")


async def _check_url(url: str, settings: Settings) -> None:
    try:
        await ssrf.resolve(url, settings.webhooks_allow_private)
    except ssrf.UnsafeTarget as exc:
        raise Unprocessable(
            f"the webhook URL is not allowed: {exc}",
            [Issue(["body", "url"], str(exc))],
            "unsafe_url",
        ) from None


async def create_endpoint(
    db: AsyncSession, workspace_id: uuid.UUID, body: EndpointCreate, settings: Settings
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (returned here only)."""
    await _check_url(body.url, settings)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        workspace_id=workspace_id,
        url=body.url,
        description=body.description,
        events=body.events,
        enabled=body.enabled,
        secret_sealed=crypto.seal(settings.secret_key, secret),
    )
    await repository.add(db, endpoint)
    return endpoint, secret


async def get_endpoint(
    db: AsyncSession, workspace_id: uuid.UUID, endpoint_id: uuid.UUID, *, for_update: bool = False
) -> WebhookEndpoint:
    endpoint = await repository.get_endpoint(db, workspace_id, endpoint_id, for_update=for_update)
    if endpoint is None:
        raise NotFound("webhook endpoint")
    return endpoint


async def list_endpoints(
    db: AsyncSession, workspace_id: uuid.UUID, page: PageRequest
) -> Page[dict[str, Any]]:
    rows = await repository.list_endpoints(
        db, workspace_id, limit=page.limit + 1, before=page.before
    )
    result = page_from_rows(rows, page.limit, lambda e: e.id)
    return Page([endpoint_public(e) for e in result.items], result.has_more, result.next_cursor)


async def update_endpoint(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    body: EndpointUpdate,
    settings: Settings,
    now: datetime,
) -> WebhookEndpoint:
    endpoint = await get_endpoint(db, workspace_id, endpoint_id, for_update=True)
    fields = body.model_fields_set
    for name in ("url", "events", "enabled"):
        if name in fields and getattr(body, name) is None:
            raise Unprocessable(f"{name} cannot be null", [Issue(["body", name], "null")])
    if "url" in fields and body.url is not None:
        await _check_url(body.url, settings)
        endpoint.url = body.url
    if "events" in fields and body.events is not None:
        endpoint.events = body.events
    if "description" in fields:
        endpoint.description = body.description
    if "enabled" in fields and body.enabled is not None:
        endpoint.enabled = body.enabled
        if body.enabled:
            endpoint.disabled_reason = None
            endpoint.disabled_at = None
            endpoint.failing_since = None
        elif endpoint.disabled_at is None:
            endpoint.disabled_reason = "disabled by a user"
            endpoint.disabled_at = now
    endpoint.updated_at = now
    await db.flush()
    return endpoint


async def delete_endpoint(
    db: AsyncSession, workspace_id: uuid.UUID, endpoint_id: uuid.UUID
) -> dict[str, Any]:
    """Deletes the endpoint; returns its public form as it was."""
    endpoint = await get_endpoint(db, workspace_id, endpoint_id, for_update=True)
    public = endpoint_public(endpoint)
    await repository.delete_endpoint(db, endpoint)
    return public


async def rotate_secret(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    settings: Settings,
    now: datetime,
) -> tuple[WebhookEndpoint, str]:
    """A new secret; the current one keeps signing beside it for the overlap window."""
    endpoint = await get_endpoint(db, workspace_id, endpoint_id, for_update=True)
    secret = signing.new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_expires_at = now + timedelta(
        hours=settings.webhook_secret_overlap_hours
    )
    endpoint.secret_sealed = crypto.seal(settings.secret_key, secret)
    endpoint.updated_at = now
    await db.flush()
    return endpoint, secret


def envelope(
    event_id: str, event_type: str, occurred_at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": event_id,
        "event": event_type,
        "occurred_at": isoformat_z(occurred_at),
        "data": data,
    }


async def _queue(
    db: AsyncSession, delivery: WebhookDelivery, delay: timedelta | None = None
) -> None:
    await enqueue(
        db, DELIVER_JOB, {"delivery_id": str(delivery.id), "ticket": delivery.ticket}, delay=delay
    )


async def _add_delivery(
    db: AsyncSession,
    endpoint: WebhookEndpoint,
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    now: datetime,
) -> WebhookDelivery | None:
    delivery = WebhookDelivery(
        id=uuid7(),
        workspace_id=endpoint.workspace_id,
        endpoint_id=endpoint.id,
        event_id=event_id,
        event_type=event_type,
        payload=payload,
        status="pending",
        next_attempt_at=now,
        ticket=secrets.token_hex(8),
    )
    if not await repository.insert_delivery(db, delivery):
        return None
    await _queue(db, delivery)
    return delivery


async def fan_out(db: AsyncSession, event: Event) -> int:
    """One delivery (and its job) per enabled endpoint subscribed to `event`: three
    statements whatever the number of endpoints (they run for every event written)."""
    jobs = await fan_out_on(await raw_connection(db), event)
    if jobs:
        await enqueue_many(db, DELIVER_JOB, [job.payload for job in jobs])
    return len(jobs)


async def fan_out_on(connection: asyncpg.Connection, event: Event) -> list[JobSpec]:
    """`fan_out`'s deliveries on a connection inside the caller's transaction; their jobs
    are returned for the caller to enqueue with its own (in one statement)."""
    endpoint_ids = await repository.subscribed_endpoint_ids_on(
        connection, event.workspace_id, event.type
    )
    if not endpoint_ids:
        return []
    payload = envelope(event.id, event.type, event.occurred_at, event.data)
    inserted = await repository.insert_deliveries_on(
        connection,
        event.workspace_id,
        event.id,
        event.type,
        json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
        event.occurred_at,
        [(uuid7(), endpoint_id, secrets.token_hex(8)) for endpoint_id in endpoint_ids],
    )
    return _jobs(inserted)


def _jobs(inserted: list[tuple[uuid.UUID, str]]) -> list[JobSpec]:
    return [
        JobSpec(DELIVER_JOB, {"delivery_id": str(did), "ticket": ticket})
        for did, ticket in inserted
    ]


# Deliveries an event's one statement has room for; a workspace with more subscribed
# endpoints gets the rest from `fan_out_on` (a second and third statement).
EVENT_SLOTS = 8


async def record_with_fan_out_on(connection: asyncpg.Connection, event: Event) -> list[JobSpec]:
    """Insert `event` and `fan_out_on`'s deliveries in one statement (the same rows: one per
    enabled endpoint subscribed to it, the payload `envelope`); their jobs are returned."""
    slots = [(uuid7(), secrets.token_hex(8)) for _ in range(EVENT_SLOTS)]
    inserted, subscribed = await repository.insert_event_with_deliveries_on(
        connection, event, isoformat_z(event.occurred_at) or "", slots
    )
    jobs = _jobs(inserted)
    if subscribed > len(slots):  # the endpoints left out; those done are skipped
        jobs += await fan_out_on(connection, event)
    return jobs


async def send_test(
    db: AsyncSession, workspace_id: uuid.UUID, endpoint_id: uuid.UUID, now: datetime
) -> WebhookDelivery:
    endpoint = await get_endpoint(db, workspace_id, endpoint_id)
    if not endpoint.enabled:
        raise Conflict("the endpoint is disabled; enable it first", code="endpoint_disabled")
    event_id = new_event_id()
    payload = envelope(
        event_id,
        TEST_EVENT,
        now,
        {"endpoint_id": str(endpoint.id), "message": "A test event from vivavoce."},
    )
    added = await _add_delivery(db, endpoint, event_id, TEST_EVENT, payload, now)
    assert added is not None  # a fresh event id cannot collide
    stored = await repository.get_delivery(db, added.id)
    assert stored is not None
    return stored


async def retry_delivery(
    db: AsyncSession, workspace_id: uuid.UUID, delivery_id: uuid.UUID, now: datetime
) -> WebhookDelivery:
    """Send a delivery again now, whatever its state; a retry already scheduled is dropped."""
    delivery = await repository.get_delivery(
        db, delivery_id, workspace_id=workspace_id, for_update=True
    )
    if delivery is None:
        raise NotFound("webhook delivery")
    endpoint = await repository.endpoint_by_id(db, delivery.endpoint_id)
    if endpoint is None or not endpoint.enabled:
        raise Conflict("the endpoint is disabled; enable it first", code="endpoint_disabled")
    delivery.status = "pending"
    delivery.ticket = secrets.token_hex(8)
    delivery.next_attempt_at = now
    delivery.updated_at = now
    await db.flush()
    await _queue(db, delivery)
    return delivery


async def list_deliveries(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    page: PageRequest,
    status: str | None,
) -> Page[dict[str, Any]]:
    await get_endpoint(db, workspace_id, endpoint_id)
    if status is not None and status not in _STATUSES:
        raise Unprocessable(
            "unknown status", [Issue(["query", "status"], f"one of {', '.join(_STATUSES)}")]
        )
    rows = await repository.list_deliveries(
        db, endpoint_id, limit=page.limit + 1, before=page.before, status=status
    )
    result = page_from_rows(rows, page.limit, lambda d: d.id)
    return Page(await _with_attempts(db, result.items), result.has_more, result.next_cursor)


async def delivery_view(db: AsyncSession, delivery: WebhookDelivery) -> dict[str, Any]:
    return (await _with_attempts(db, [delivery]))[0]


async def _with_attempts(
    db: AsyncSession, deliveries: list[WebhookDelivery]
) -> list[dict[str, Any]]:
    attempts = await repository.attempts_of(db, [d.id for d in deliveries])
    by_delivery: dict[uuid.UUID, list[WebhookAttempt]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    return [delivery_public(d, by_delivery.get(d.id, [])) for d in deliveries]


@dataclass(frozen=True)
class Plan:
    delivery_id: uuid.UUID
    ticket: str
    request: Request
    lease_until: datetime | None = None  # the lease this run holds while it sends


async def plan_attempt(
    db: AsyncSession,
    delivery_id: uuid.UUID,
    ticket: str,
    settings: Settings,
    now: datetime,
    *,
    lease_is_ours: bool = False,
) -> Plan | None:
    """What to send for this job, or None when the job is stale (replayed, done, deleted).
    `lease_is_ours`: this run already leased the delivery (on the fast path)."""
    delivery = await repository.get_delivery(db, delivery_id, for_update=True)
    if delivery is None or delivery.ticket != ticket or delivery.status != "pending":
        return None
    if not lease_is_ours and delivery.lease_until is not None and delivery.lease_until > now:
        # Another run of this job is sending it right now (re-claimed after its worker's
        # heartbeat lapsed): look again once that run has recorded its attempt or died.
        await _queue(db, delivery, delivery.lease_until - now)
        return None
    endpoint = await repository.endpoint_by_id(db, delivery.endpoint_id)
    if endpoint is None:
        return None
    if not endpoint.enabled:
        delivery.status = "failed"
        delivery.last_error = f"endpoint disabled: {endpoint.disabled_reason or 'by a user'}"
        delivery.next_attempt_at = None
        await db.flush()
        return None
    try:
        secrets_in_use = _secrets_in_use(
            settings,
            endpoint.secret_sealed,
            endpoint.previous_secret_sealed,
            endpoint.previous_secret_expires_at,
            now,
        )
    except (ValueError, InvalidTag):
        delivery.status = "failed"
        delivery.next_attempt_at = None
        delivery.last_error = (
            "the endpoint's signing secret cannot be read with the current "
            "VIVAVOCE_SECRET_KEY; rotate the endpoint's secret, then replay"
        )
        await db.flush()
        return None
    delivery.lease_until = lease_until(now, settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS)
    await db.flush()
    body = _body(delivery.payload)
    request = Request(endpoint.url, delivery.event_id, body, secrets_in_use)
    return Plan(delivery.id, ticket, request, delivery.lease_until)


def lease_until(now: datetime, seconds: float) -> datetime:
    """The end of a new lease, a few microseconds off the round figure so that it also names
    the lease: two runs (processes) do not draw the same value."""
    jitter = secrets.randbelow(1000)  # microseconds
    return now + timedelta(seconds=seconds, microseconds=jitter)


def _secrets_in_use(
    settings: Settings,
    sealed: str,
    previous_sealed: str | None,
    previous_expires_at: datetime | None,
    now: datetime,
) -> list[str]:
    """The endpoint's signing secrets: the current one (ValueError/InvalidTag when it cannot
    be unsealed), and the previous one while its overlap lasts."""
    in_use = [crypto.unseal(settings.secret_key, sealed)]
    if previous_sealed and previous_expires_at and previous_expires_at > now:
        with contextlib.suppress(ValueError, InvalidTag):  # sealed under an older key
            in_use.append(crypto.unseal(settings.secret_key, previous_sealed))
    return in_use


def _body(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class FastPath:
    """The delivery job's happy path in two statements outside any transaction, each shared
    with the other jobs of this process that are at the same step (see `kit.coalesce`):
    one read of what to send, one write of the success.

    `plan` gives what to send, None for a stale job, or "transaction" when the delivery must
    be changed instead (a disabled endpoint, an unreadable secret): then `plan_attempt`
    decides, under locks. No row lock is needed to send: a job whose ticket was replaced
    meanwhile sends what was current when it read it, and `record_attempt` leaves the
    delivery to the newer job. `record_success` is False (nothing written) for a failure or
    when the delivery was replayed meanwhile, for `record_attempt` to record under its locks.
    """

    def __init__(self, statements: StatementPool, lease_seconds: float) -> None:
        self.statements = statements
        self.lease_seconds = lease_seconds
        self._reads: Coalescer[tuple[uuid.UUID, str], Any] = Coalescer(self._read_many)
        self._writes: Coalescer[repository.Success, bool] = Coalescer(self._write_many)

    async def _read_many(self, jobs: list[tuple[uuid.UUID, str]]) -> list[Any]:
        now = utcnow()
        lease = lease_until(now, self.lease_seconds)
        rows = await repository.deliveries_to_send(self.statements, jobs, lease, now)
        results: list[Any] = []
        seen: set[uuid.UUID] = set()
        for delivery_id, _ in jobs:
            row = rows.get(delivery_id)
            if row is not None:
                # one lease, for the first of the batch
                leased = row["leased"] and delivery_id not in seen
                row = {**dict(row), "leased": leased, "lease_until": lease}
            seen.add(delivery_id)
            results.append(row)
        return results

    async def _write_many(self, successes: list[repository.Success]) -> list[bool]:
        recorded = await repository.record_successes(self.statements, successes)
        return [success.delivery_id in recorded for success in successes]

    async def plan(
        self, delivery_id: uuid.UUID, ticket: str, settings: Settings, now: datetime
    ) -> Plan | Literal["transaction", "transaction_leased"] | None:
        row = await self._reads.submit((delivery_id, ticket))
        if row is None or row["ticket"] != ticket or row["status"] != "pending":
            return None
        if not row["enabled"] or not row["leased"]:
            # disabled, or another run of this job is sending it: `plan_attempt` decides
            return "transaction"
        try:
            in_use = _secrets_in_use(
                settings,
                row["secret_sealed"],
                row["previous_secret_sealed"],
                row["previous_secret_expires_at"],
                now,
            )
        except (ValueError, InvalidTag):
            return "transaction_leased"
        payload = json.loads(row["payload"])  # text from the statement pool
        request = Request(row["url"], row["event_id"], _body(payload), in_use)
        return Plan(delivery_id, ticket, request, row["lease_until"])

    async def release(self, plan: Plan) -> None:
        """Give up the lease of a run that ends before it knows the outcome of its attempt
        (an exception, a worker stopping): pgqueuer runs the job again in seconds, and that
        run must not find the delivery held for the rest of a lease no one is using."""
        if plan.lease_until is not None:
            await repository.release_lease(
                self.statements, plan.delivery_id, plan.ticket, plan.lease_until
            )

    async def record_success(self, plan: Plan, outcome: Outcome, now: datetime) -> bool:
        if not outcome.succeeded or outcome.status_code is None:
            return False
        success = repository.Success(
            plan.delivery_id,
            plan.ticket,
            uuid7(),
            outcome.status_code,
            outcome.latency_ms,
            outcome.response_body,
            now,
        )
        return await self._writes.submit(success)


def next_delay(
    attempts: int, schedule: list[float], outcome: Outcome, jitter: float
) -> float | None:
    """Seconds until the next attempt after `attempts` failed ones, or None when done.

    The schedule's delay gets ±10 % jitter (`jitter` in [-1, 1]); a `Retry-After` longer
    than it wins (capped at a day, against absurd values)."""
    if attempts > len(schedule):
        return None
    delay = schedule[attempts - 1] * (1 + 0.1 * jitter)
    if outcome.retry_after_seconds is not None:
        delay = max(delay, min(outcome.retry_after_seconds, MAX_RETRY_AFTER_SECONDS))
    return delay


async def record_attempt(
    db: AsyncSession, plan: Plan, outcome: Outcome, settings: Settings, now: datetime
) -> None:
    delivery = await repository.get_delivery(db, plan.delivery_id, for_update=True)
    if delivery is None:
        return
    await repository.add(
        db,
        WebhookAttempt(
            workspace_id=delivery.workspace_id,
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response_body=outcome.response_body,
            error=outcome.error,
        ),
    )
    if delivery.ticket != plan.ticket:  # replayed meanwhile: the new job owns what comes next
        return
    delivery.lease_until = None
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    delivery.updated_at = now
    if outcome.succeeded:
        delivery.status = "succeeded"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        await db.flush()
        # No lock on the endpoint on the happy path: deliveries to one endpoint run side by
        # side, and writers of events are never held up by its row.
        await repository.clear_failing(db, delivery.endpoint_id)
        return
    endpoint = await repository.endpoint_by_id(db, delivery.endpoint_id, for_update=True)
    if endpoint is not None:
        _note_failure(endpoint, outcome, settings, now)
    delay = None
    if endpoint is not None and endpoint.enabled:
        delay = next_delay(
            delivery.attempts,
            settings.webhook_retry_schedule,
            outcome,
            random.uniform(-1, 1),  # noqa: S311
        )
    if delay is None:
        delivery.status = "failed"
        delivery.next_attempt_at = None
        await db.flush()
        return
    delivery.next_attempt_at = now + timedelta(seconds=delay)
    await db.flush()
    await _queue(db, delivery, timedelta(seconds=delay))


def _note_failure(
    endpoint: WebhookEndpoint, outcome: Outcome, settings: Settings, now: datetime
) -> None:
    if outcome.status_code == 410:
        _disable(endpoint, "the receiver answered 410 Gone", now)
        return
    if endpoint.failing_since is None:
        endpoint.failing_since = now
    elif now - endpoint.failing_since >= timedelta(days=settings.webhook_disable_after_days):
        _disable(
            endpoint, f"failing continuously for {settings.webhook_disable_after_days:g} days", now
        )


def _disable(endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    endpoint.updated_at = now


async def redact_deliveries(
    db: AsyncSession, event_ids: list[str], redacted: dict[str, Any]
) -> None:
    """Erase the `data` of stored payloads (and receivers' echoed responses) of these events."""
    await repository.redact_payloads(db, event_ids, redacted)
