"""The statements of `scheduling` (POST /sessions' usual case) on an asyncpg connection of a
`StatementPool`, in the caller's transaction, outside the ORM (ADR 0006, docs/benchmarks.md:
an ORM statement costs about ten times the CPU of the same statement on asyncpg).

Rows load into transient instances of the mapped classes (`RowMapper`), so the rules and
renderers written for ORM objects apply to them unchanged. Nothing here decides anything:
`scheduling` does, and hands anything unusual to the ORM path of `service.schedule`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from vivavoce.kit.db import RowMapper
from vivavoce.models import (
    Application,
    EvaluationStage,
    EvaluationTemplate,
    InterviewSession,
    Participant,
)
from vivavoce.sessions.state import OPEN

TEMPLATES = RowMapper(EvaluationTemplate)
STAGES = RowMapper(EvaluationStage)
PARTICIPANTS = RowMapper(Participant)
SESSIONS = RowMapper(InterviewSession)
APPLICATIONS = RowMapper(Application)
_OPEN_STATUSES = [status.value for status in OPEN]

# The stage by id ($4) when given, else by type, case-insensitively ($5), as
# `templates.find_stage` / `get_stage`; the participant locked as `participants.get(...,
# for_update=True)` locks it (FOR NO KEY UPDATE). A missing row of any of the three: no row.
_PARTS = f"""
SELECT {TEMPLATES.columns_of("t")}, {STAGES.columns_of("s")}, {PARTICIPANTS.columns_of("p")}
FROM evaluation_templates t
JOIN evaluation_stages s ON s.workspace_id = t.workspace_id
  AND CASE WHEN $4::uuid IS NULL
      THEN s.evaluation_template_id = t.id AND lower(s.type) = lower($5)
      ELSE s.id = $4 END
JOIN participants p ON p.id = $3 AND p.workspace_id = t.workspace_id
WHERE t.id = $2 AND t.workspace_id = $1
FOR NO KEY UPDATE OF p
"""  # noqa: S608 (column lists of the mapped tables)


@dataclass(frozen=True)
class Parts:
    template: EvaluationTemplate
    stage: EvaluationStage
    participant: Participant


async def read_parts(
    connection: asyncpg.Connection,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    candidate_id: uuid.UUID,
    stage_id: uuid.UUID | None,
    stage_type: str,
) -> list[Parts]:
    """The template, stage and participant of a request, the participant's row locked."""
    rows = await connection.fetch(
        _PARTS, workspace_id, template_id, candidate_id, stage_id, stage_type
    )
    stage_at = TEMPLATES.width
    at = stage_at + STAGES.width
    return [
        Parts(TEMPLATES.load(row), STAGES.load(row, stage_at), PARTICIPANTS.load(row, at))
        for row in rows
    ]


_IDEMPOTENT = "SELECT id FROM sessions WHERE workspace_id = $1 AND idempotency_key = $2"


async def idempotency_key_used(
    connection: asyncpg.Connection, workspace_id: uuid.UUID, key: str
) -> bool:
    return await connection.fetchval(_IDEMPOTENT, workspace_id, key) is not None


# Read after the participant's lock is held, in a statement of its own (a new snapshot sees
# what the lock's previous holder committed): an open session of this stage, and the
# participant's application for the template.
_AFTER_LOCK = f"""
SELECT EXISTS (
         SELECT 1 FROM sessions
         WHERE candidate_id = $1 AND evaluation_stage_id = $3 AND status = ANY($4::text[])
       ),
       {APPLICATIONS.columns_of("a")}
FROM (SELECT 1) AS one
LEFT JOIN template_applications a ON a.evaluation_template_id = $2 AND a.candidate_id = $1
"""  # noqa: S608


@dataclass(frozen=True)
class AfterLock:
    has_open_session: bool
    application: Application | None


async def read_after_lock(
    connection: asyncpg.Connection,
    candidate_id: uuid.UUID,
    template_id: uuid.UUID,
    stage_id: uuid.UUID,
) -> AfterLock:
    row = await connection.fetchrow(
        _AFTER_LOCK, candidate_id, template_id, stage_id, _OPEN_STATUSES
    )
    assert row is not None  # one row, always
    found = row[1] is not None
    return AfterLock(bool(row[0]), APPLICATIONS.load(row, 1) if found else None)


# `service.ensure_application`: insert unless the pair exists, then the pair's row either way.
_ENSURE_APPLICATION = f"""
WITH created AS (
    INSERT INTO template_applications
        (id, workspace_id, evaluation_template_id, candidate_id, source, approval_status, outcome)
    VALUES ($1, $2, $3, $4, $5, 'approved', 'in_progress')
    ON CONFLICT (evaluation_template_id, candidate_id) DO NOTHING
    RETURNING {APPLICATIONS.columns}
)
SELECT {APPLICATIONS.columns} FROM created
"""  # noqa: S608


async def insert_application(
    connection: asyncpg.Connection,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    candidate_id: uuid.UUID,
    source: str,
    application_id: uuid.UUID,
) -> Application | None:
    """The new application, or None when the pair already had one (created meanwhile)."""
    row = await connection.fetchrow(
        _ENSURE_APPLICATION, application_id, workspace_id, template_id, candidate_id, source
    )
    return None if row is None else APPLICATIONS.load(row)


_INSERT_SESSION = f"""
INSERT INTO sessions
    (id, workspace_id, evaluation_template_id, evaluation_stage_id, stage, candidate_id,
     application_id, external_id, join_token_digest, status, scheduled_at, timezone, language,
     notes, idempotency_key, needs_human_review)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT (workspace_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING {SESSIONS.columns}
"""  # noqa: S608


async def insert_session(
    connection: asyncpg.Connection, session: InterviewSession
) -> InterviewSession | None:
    """The stored session with the server's defaults, or None when its `idempotency_key`
    was taken meanwhile (by a concurrent request)."""
    row = await connection.fetchrow(
        _INSERT_SESSION,
        session.id,
        session.workspace_id,
        session.evaluation_template_id,
        session.evaluation_stage_id,
        session.stage,
        session.candidate_id,
        session.application_id,
        session.external_id,
        session.join_token_digest,
        session.status,
        session.scheduled_at,
        session.timezone,
        session.language,
        session.notes,
        session.idempotency_key,
        session.needs_human_review,
    )
    return None if row is None else SESSIONS.load(row)
