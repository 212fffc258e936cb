"""The write floor: the rows of `POST /sessions` in one transaction, with asyncpg only.

What vivavoce's `POST /sessions` writes, and nothing it could skip: read the participant (under
a row lock, as vivavoce schedules one participant's sessions one at a time), its template and
the stage; the application (created when new); the session; the `session.created` event with
the session's snapshot; one delivery per subscribed enabled webhook endpoint and one job per
delivery; the invitation email in the outbox and its job. Six statements inside
`BEGIN`/`COMMIT`, each doing as much as one statement can. No ORM, no validation beyond
what keeps the rows consistent, the email's text a plain format string.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

READ = """
SELECT p.status, p.external_id, p.name, p.email, p.evaluation_template_id AS own_template,
       t.status AS template_status, t.language, t.template_name, s.id AS stage_id, s.type
FROM participants p
JOIN evaluation_templates t ON t.id = $2 AND t.workspace_id = $3
JOIN evaluation_stages s ON s.evaluation_template_id = t.id AND s.type = $4
WHERE p.id = $1 AND p.workspace_id = $3
FOR UPDATE OF p
"""

APPLICATION = """
WITH created AS (
    INSERT INTO template_applications
        (id, workspace_id, evaluation_template_id, candidate_id, source, approval_status, outcome)
    VALUES ($1, $2, $3, $4, 'api', 'approved', 'in_progress')
    ON CONFLICT (evaluation_template_id, candidate_id) DO NOTHING
    RETURNING id
)
SELECT id FROM created
UNION ALL
SELECT id FROM template_applications WHERE evaluation_template_id = $3 AND candidate_id = $4
LIMIT 1
"""

SESSION = """
INSERT INTO sessions
    (id, workspace_id, evaluation_template_id, evaluation_stage_id, stage, candidate_id,
     application_id, external_id, join_token_digest, status, timezone, language,
     needs_human_review)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'scheduled', $10, $11, false)
RETURNING created_at, updated_at
"""

EVENT_AND_DELIVERIES = """
WITH event AS (
    INSERT INTO events (id, workspace_id, type, occurred_at, session_id, participant_id,
                        application_id, data)
    VALUES ($1, $2, 'session.created', $3, $4, $5, $6, $7::jsonb)
), delivery AS (
    INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, event_type,
                                    payload, status, attempts, next_attempt_at, ticket)
    SELECT gen_random_uuid(), $2, e.id, $1, 'session.created', $8::jsonb, 'pending', 0, $3,
           md5(random()::text || e.id::text)::varchar(16)
    FROM webhook_endpoints e
    WHERE e.workspace_id = $2 AND e.enabled
      AND (e.events = '{}' OR e.events @> ARRAY['session.created']::varchar[])
    RETURNING id, ticket
)
INSERT INTO pgqueuer (priority, entrypoint, payload, status, execute_after)
SELECT 0, 'webhooks.deliver',
       convert_to(json_build_object('delivery_id', id, 'ticket', ticket)::text, 'utf8'),
       'queued', now()
FROM delivery
"""

EMAIL_AND_JOB = """
WITH message AS (
    INSERT INTO email_messages (id, workspace_id, kind, to_address, to_name, subject,
                                text_body, html_body, attachments, status, attempts,
                                participant_id, session_id)
    VALUES ($1, $2, 'invite', $3, $4, $5, $6, $7, '[]'::jsonb, 'queued', 0, $8, $9)
)
INSERT INTO pgqueuer (priority, entrypoint, payload, status, execute_after)
VALUES (0, 'emails.send', $10, 'queued', now())
"""

SECRET = os.environ.get("BASELINE_SECRET_KEY", "floor-" + secrets.token_hex(16)).encode()
PUBLIC_URL = "http://127.0.0.1:8000"


def uuid7() -> uuid.UUID:
    """A time-ordered id, as vivavoce's (inserts land at the right edge of the index)."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return uuid.UUID(int=value)


def _join_token(session_id: uuid.UUID) -> str:
    mac = hmac.new(SECRET, f"join:{session_id}".encode(), hashlib.sha256).hexdigest()
    return f"{session_id.hex}.{mac[:32]}"


def _parse(body: bytes) -> tuple[uuid.UUID, uuid.UUID, str, str] | None:
    try:
        data = json.loads(body)
        return (
            uuid.UUID(data["candidate_id"]),
            uuid.UUID(data["evaluation_template_id"]),
            str(data["stage"]),
            str(data.get("timezone") or "UTC"),
        )
    except (ValueError, KeyError, TypeError):
        return None


async def create(
    connection: asyncpg.Connection, workspace_id: uuid.UUID, body: bytes
) -> tuple[int, Any]:
    """(201, the session as JSON-ready dict) or (status, error code)."""
    parsed = _parse(body)
    if parsed is None:
        return 422, "invalid"
    candidate_id, template_id, stage, timezone = parsed
    now = datetime.now(UTC)
    session_id = uuid7()
    token = _join_token(session_id)
    async with connection.transaction():
        found = await connection.fetchrow(READ, candidate_id, template_id, workspace_id, stage)
        if found is None:
            return 404, "not_found"
        if found["status"] != "active" or found["template_status"] == "archived":
            return 409, "conflict"
        application_id = await connection.fetchval(
            APPLICATION, uuid7(), workspace_id, template_id, candidate_id
        )
        stamps = await connection.fetchrow(
            SESSION,
            session_id,
            workspace_id,
            template_id,
            found["stage_id"],
            found["type"],
            candidate_id,
            application_id,
            found["external_id"],
            hashlib.sha256(token.encode()).hexdigest(),
            timezone,
            found["language"],
        )
        session = _session_json(
            session_id, template_id, candidate_id, application_id, timezone, token, found, stamps
        )
        ids = (session_id, candidate_id, application_id)
        await _write_event(connection, workspace_id, now, session, ids)
        await _write_invite(connection, workspace_id, session_id, candidate_id, session, found)
    return 201, session


def _session_json(
    session_id: uuid.UUID,
    template_id: uuid.UUID,
    candidate_id: uuid.UUID,
    application_id: uuid.UUID,
    timezone: str,
    token: str,
    found: asyncpg.Record,
    stamps: asyncpg.Record,
) -> dict[str, Any]:
    """The new session as `POST /sessions` answers it."""
    return {
        "id": str(session_id),
        "status": "scheduled",
        "evaluation_template_id": str(template_id),
        "evaluation_stage_id": str(found["stage_id"]),
        "stage": found["type"],
        "candidate_id": str(candidate_id),
        "application_id": str(application_id),
        "external_id": found["external_id"],
        "join_url": f"{PUBLIC_URL}/join/{token}",
        "timezone": timezone,
        "language": found["language"],
        "created_at": stamps["created_at"].isoformat(),
        "updated_at": stamps["updated_at"].isoformat(),
    }


async def _write_event(
    connection: asyncpg.Connection,
    workspace_id: uuid.UUID,
    now: datetime,
    session: dict[str, Any],
    ids: tuple[uuid.UUID, uuid.UUID, uuid.UUID],
) -> None:
    """The `session.created` event and its webhook deliveries, in one statement; `ids`: the
    session's, the candidate's and the application's."""
    event_id = f"evt_{uuid7().hex}"
    data = json.dumps({"session": session})
    envelope = json.dumps(
        {
            "id": event_id,
            "event": "session.created",
            "occurred_at": now.isoformat(),
            "data": {"session": session},
        }
    )
    await connection.execute(
        EVENT_AND_DELIVERIES,
        event_id,
        workspace_id,
        now,
        *ids,
        data,
        envelope,
    )


async def _write_invite(
    connection: asyncpg.Connection,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    candidate_id: uuid.UUID,
    session: dict[str, Any],
    found: asyncpg.Record,
) -> None:
    """The invitation email and its sending job, in one statement."""
    message_id = uuid7()
    text = (
        f"Hello {found['name']},\n\nyou are invited to an interview for "
        f"{found['template_name']}. Join at any time: {session['join_url']}\n"
    )
    await connection.execute(
        EMAIL_AND_JOB,
        message_id,
        workspace_id,
        found["email"],
        found["name"],
        f"Your interview: {found['template_name']}",
        text,
        f"<p>{text}</p>",
        candidate_id,
        session_id,
        json.dumps({"message_id": str(message_id)}).encode(),
    )
