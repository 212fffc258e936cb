from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.kit.db import StatementPool, raw_connection
from vivavoce.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


async def add(db: AsyncSession, row: WebhookEndpoint | WebhookAttempt) -> None:
    db.add(row)
    await db.flush()


async def get_endpoint(
    db: AsyncSession, workspace_id: uuid.UUID, endpoint_id: uuid.UUID, *, for_update: bool = False
) -> WebhookEndpoint | None:
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.workspace_id == workspace_id
    )
    if for_update:
        query = query.with_for_update()
    result: WebhookEndpoint | None = await db.scalar(query)
    return result


async def endpoint_by_id(
    db: AsyncSession, endpoint_id: uuid.UUID, *, for_update: bool = False
) -> WebhookEndpoint | None:
    query = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    if for_update:
        # FOR NO KEY UPDATE: foreign-key checks of concurrent inserts are not blocked
        query = query.with_for_update(key_share=True)
    result: WebhookEndpoint | None = await db.scalar(query)
    return result


async def list_endpoints(
    db: AsyncSession, workspace_id: uuid.UUID, *, limit: int, before: uuid.UUID | None
) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.workspace_id == workspace_id)
    if before is not None:
        query = query.where(WebhookEndpoint.id < before)
    rows = await db.scalars(query.order_by(WebhookEndpoint.id.desc()).limit(limit))
    return list(rows)


async def subscribed_endpoints(
    db: AsyncSession, workspace_id: uuid.UUID, event_type: str
) -> list[WebhookEndpoint]:
    rows = await db.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.workspace_id == workspace_id,
            WebhookEndpoint.enabled.is_(True),
            or_(
                WebhookEndpoint.events == [],
                WebhookEndpoint.events.contains([event_type]),
            ),
        )
    )
    return list(rows)


_SUBSCRIBED_IDS = """
SELECT id FROM webhook_endpoints
WHERE workspace_id = $1 AND enabled AND (events = '{}' OR events @> ARRAY[$2]::varchar[])
"""

_INSERT_DELIVERIES = """
INSERT INTO webhook_deliveries
    (id, workspace_id, endpoint_id, event_id, event_type, payload, status, attempts,
     next_attempt_at, ticket)
SELECT d.id, $4, d.endpoint_id, $5, $6, $7::text::jsonb, 'pending', 0, $8, d.ticket
FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS d(id, endpoint_id, ticket)
ON CONFLICT ON CONSTRAINT uq_delivery_endpoint_event DO NOTHING
RETURNING id, ticket
"""


# An event and its deliveries in one statement: the deliveries' ids and tickets come from
# the caller, one pair per subscribed endpoint in endpoint id order, as many pairs as it
# expects endpoints; the last row counts the subscribed endpoints, so the caller sees when
# there were more than pairs. The payload is the envelope `service.envelope` builds, as
# jsonb (the same value as the event's `data` parsed once more).
_EVENT_AND_DELIVERIES = """
WITH event AS (
    INSERT INTO events
        (id, workspace_id, type, occurred_at, session_id, participant_id, application_id, data)
    VALUES ($1::text, $2, $3::text, $4, $5, $6, $7, $8::text::jsonb)
), subscribed AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n, count(*) OVER () AS total
    FROM webhook_endpoints
    WHERE workspace_id = $2 AND enabled
      AND (events = '{}' OR events @> ARRAY[$3::text]::varchar[])
), inserted AS (
    INSERT INTO webhook_deliveries
        (id, workspace_id, endpoint_id, event_id, event_type, payload, status, attempts,
         next_attempt_at, ticket)
    SELECT ($10::uuid[])[s.n], $2, s.id, $1::text, $3::text,
           jsonb_build_object('id', $1::text, 'event', $3::text, 'occurred_at', $9::text,
                              'data', $8::text::jsonb),
           'pending', 0, $4, ($11::text[])[s.n]
    FROM subscribed s
    WHERE s.n <= cardinality($10::uuid[])
    ON CONFLICT ON CONSTRAINT uq_delivery_endpoint_event DO NOTHING
    RETURNING id, ticket
)
SELECT id, ticket, NULL::bigint AS subscribed FROM inserted
UNION ALL
SELECT NULL, NULL, coalesce(max(total), 0) FROM subscribed
"""


async def insert_event_with_deliveries_on(
    connection: asyncpg.Connection,
    event: Event,
    occurred_at_text: str,
    slots: Sequence[tuple[uuid.UUID, str]],
) -> tuple[list[tuple[uuid.UUID, str]], int]:
    """Insert `event` and one delivery per subscribed enabled endpoint, up to len(slots)
    (delivery id, ticket) pairs, in one statement; (id, ticket) of the deliveries inserted
    and the number of endpoints subscribed (more than len(slots): some were left out).
    `occurred_at_text` is the envelope's form of the event's time (`isoformat_z`)."""
    rows = await connection.fetch(
        _EVENT_AND_DELIVERIES,
        event.id,
        event.workspace_id,
        event.type,
        event.occurred_at,
        event.session_id,
        event.participant_id,
        event.application_id,
        json.dumps(event.data),
        occurred_at_text,
        [slot[0] for slot in slots],
        [slot[1] for slot in slots],
    )
    inserted = [(row["id"], row["ticket"]) for row in rows if row["id"] is not None]
    subscribed = next(row["subscribed"] for row in rows if row["id"] is None)
    return inserted, subscribed


async def subscribed_endpoint_ids_on(
    connection: asyncpg.Connection, workspace_id: uuid.UUID, event_type: str
) -> list[uuid.UUID]:
    return [row[0] for row in await connection.fetch(_SUBSCRIBED_IDS, workspace_id, event_type)]


async def insert_deliveries(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    event_id: str,
    event_type: str,
    payload_json: str,
    next_attempt_at: datetime,
    rows: Sequence[tuple[uuid.UUID, uuid.UUID, str]],
) -> list[tuple[uuid.UUID, str]]:
    """Insert (delivery id, endpoint id, ticket) rows of one event in one statement, skipping
    endpoints that already have a delivery of it; (id, ticket) of those inserted."""
    return await insert_deliveries_on(
        await raw_connection(db),
        workspace_id,
        event_id,
        event_type,
        payload_json,
        next_attempt_at,
        rows,
    )


async def insert_deliveries_on(
    connection: asyncpg.Connection,
    workspace_id: uuid.UUID,
    event_id: str,
    event_type: str,
    payload_json: str,
    next_attempt_at: datetime,
    rows: Sequence[tuple[uuid.UUID, uuid.UUID, str]],
) -> list[tuple[uuid.UUID, str]]:
    """`insert_deliveries` on a connection inside the caller's transaction."""
    inserted = await connection.fetch(
        _INSERT_DELIVERIES,
        [row[0] for row in rows],
        [row[1] for row in rows],
        [row[2] for row in rows],
        workspace_id,
        event_id,
        event_type,
        payload_json,
        next_attempt_at,
    )
    return [(row["id"], row["ticket"]) for row in inserted]


async def delete_endpoint(db: AsyncSession, endpoint: WebhookEndpoint) -> None:
    await db.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id))


async def insert_delivery(db: AsyncSession, delivery: WebhookDelivery) -> bool:
    """Insert unless this endpoint already has a delivery of this event."""
    statement = (
        insert(WebhookDelivery)
        .values(
            id=delivery.id,
            workspace_id=delivery.workspace_id,
            endpoint_id=delivery.endpoint_id,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            payload=delivery.payload,
            status=delivery.status,
            attempts=0,
            next_attempt_at=delivery.next_attempt_at,
            ticket=delivery.ticket,
        )
        .on_conflict_do_nothing(constraint="uq_delivery_endpoint_event")
        .returning(WebhookDelivery.id)
    )
    return (await db.scalar(statement)) is not None


async def get_delivery(
    db: AsyncSession,
    delivery_id: uuid.UUID,
    *,
    workspace_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> WebhookDelivery | None:
    query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if workspace_id is not None:
        query = query.where(WebhookDelivery.workspace_id == workspace_id)
    if for_update:
        query = query.with_for_update()
    result: WebhookDelivery | None = await db.scalar(query)
    return result


async def list_deliveries(
    db: AsyncSession,
    endpoint_id: uuid.UUID,
    *,
    limit: int,
    before: uuid.UUID | None,
    status: str | None,
) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    rows = await db.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit))
    return list(rows)


async def attempts_of(db: AsyncSession, delivery_ids: Sequence[uuid.UUID]) -> list[WebhookAttempt]:
    if not delivery_ids:
        return []
    rows = await db.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.id)
    )
    return list(rows)


async def redact_payloads(
    db: AsyncSession, event_ids: Sequence[str], redacted: dict[str, object]
) -> None:
    if not event_ids:
        return
    await db.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.event_id.in_(event_ids))
        .values(
            payload=WebhookDelivery.payload.op("||")(
                bindparam("patch", {"data": redacted}, type_=JSONB)
            )
        )
    )
    delivery_ids = select(WebhookDelivery.id).where(WebhookDelivery.event_id.in_(event_ids))
    await db.execute(
        update(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .values(response_body=None)
    )


async def clear_failing(db: AsyncSession, endpoint_id: uuid.UUID) -> None:
    """Forget a failing streak; touches the row only when there is one to forget."""
    await db.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_not(None))
        .values(failing_since=None)
    )


# --- the delivery job's statements, outside the ORM (see service.quick_plan) ---------------

# Many jobs' reads (or successes) in one statement: the worker coalesces concurrent calls.

_MANY_TO_SEND = """
WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::text[]) AS i(id, ticket)
), leased AS (
    UPDATE webhook_deliveries d SET lease_until = $3
    FROM input i, webhook_endpoints e
    WHERE d.id = i.id AND d.ticket = i.ticket AND d.status = 'pending'
      AND e.id = d.endpoint_id AND e.enabled
      AND (d.lease_until IS NULL OR d.lease_until <= $4 OR d.lease_until = $3)
    RETURNING d.id
)
SELECT d.id, d.status, d.ticket, d.event_id, d.payload, e.url, e.enabled,
       e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at,
       (l.id IS NOT NULL) AS leased
FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
LEFT JOIN leased l ON l.id = d.id
WHERE d.id = ANY($1::uuid[])
"""

_MANY_SUCCEEDED = """
WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::uuid[],
                         $6::int[], $7::text[])
        AS i(id, ticket, status_code, at, attempt_id, latency_ms, response_body)
), delivery AS (
    UPDATE webhook_deliveries d
    SET status = 'succeeded', attempts = d.attempts + 1, last_status_code = i.status_code,
        last_error = NULL, delivered_at = i.at, next_attempt_at = NULL, updated_at = i.at,
        lease_until = NULL
    FROM (SELECT DISTINCT ON (id) * FROM input) i
    WHERE d.id = i.id AND d.ticket = i.ticket
    RETURNING d.id, d.workspace_id, d.endpoint_id
), attempt AS (
    INSERT INTO webhook_attempts
        (id, workspace_id, delivery_id, attempted_at, status_code, latency_ms, response_body)
    SELECT i.attempt_id, d.workspace_id, d.id, i.at, i.status_code, i.latency_ms,
           i.response_body
    FROM delivery d JOIN input i ON i.id = d.id
), streak AS (
    UPDATE webhook_endpoints SET failing_since = NULL
    WHERE id IN (SELECT endpoint_id FROM delivery) AND failing_since IS NOT NULL
)
SELECT id FROM delivery
"""


@dataclass(frozen=True)
class Success:
    delivery_id: uuid.UUID
    ticket: str
    attempt_id: uuid.UUID
    status_code: int
    latency_ms: int | None
    response_body: str | None
    at: datetime


async def deliveries_to_send(
    statements: StatementPool,
    jobs: Sequence[tuple[uuid.UUID, str]],
    lease_until: datetime,
    now: datetime,
) -> dict[uuid.UUID, Any]:
    """What several delivery jobs `(delivery id, ticket)` send, in one statement, by id
    (missing: deleted). A pending delivery of an enabled endpoint whose ticket matches and
    whose lease is free is leased until `lease_until` (`leased` is true in its row), so a
    re-claimed run of the same job does not send it again meanwhile. `lease_until` also
    names the lease (the caller makes it unique): a lease already holding that value is
    ours, so the statement may be sent again after a lost connection without finding its
    own committed lease in the way (which would hold the delivery back for a whole lease)."""
    rows = await statements.fetch(
        _MANY_TO_SEND, [j[0] for j in jobs], [j[1] for j in jobs], lease_until, now
    )
    return {row["id"]: row for row in rows}


async def record_successes(
    statements: StatementPool, successes: Sequence[Success]
) -> set[uuid.UUID]:
    """`record_success` of several attempts in one statement: the ids of the deliveries
    recorded (the others' tickets moved on, and nothing of theirs was written)."""
    rows = await statements.fetch(
        _MANY_SUCCEEDED,
        [s.delivery_id for s in successes],
        [s.ticket for s in successes],
        [s.status_code for s in successes],
        [s.at for s in successes],
        [s.attempt_id for s in successes],
        [s.latency_ms for s in successes],
        [s.response_body for s in successes],
        retry=False,
    )
    return {row["id"] for row in rows}


async def all_endpoints_for_update(db: AsyncSession) -> Sequence[WebhookEndpoint]:
    """Every endpoint of every workspace, locked (re-encrypting secrets after a key change)."""
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.id).with_for_update()
    return (await db.scalars(query)).all()


_RELEASE = """
UPDATE webhook_deliveries SET lease_until = NULL
WHERE id = $1 AND ticket = $2 AND lease_until = $3
"""


async def release_lease(
    statements: StatementPool, delivery_id: uuid.UUID, ticket: str, lease_until: datetime
) -> None:
    """Give up the lease `lease_until` of a delivery (only that one: a later run's lease is
    left alone), so that the job's next run may send it at once."""
    await statements.execute(_RELEASE, delivery_id, ticket, lease_until)
