"""`applications.service.refresh_outcome`'s statements on asyncpg, for a session scheduled
on asyncpg (`sessions.scheduling`, ADR 0006) in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from vivavoce.kit.db import RowMapper
from vivavoce.models import EvaluationStage, InterviewSession

STAGES = RowMapper(EvaluationStage)
SESSIONS = RowMapper(InterviewSession)

# `applications.refresh_outcome`'s two reads in one: every stage of the template, each with
# the application's newest session of it.
_ROLLUP = f"""
SELECT {STAGES.columns_of("s")}, l.id, l.passed, l.needs_human_review
FROM evaluation_stages s
LEFT JOIN LATERAL (
    SELECT id, passed, needs_human_review FROM sessions
    WHERE application_id = $2 AND evaluation_stage_id = s.id
    ORDER BY id DESC LIMIT 1
) l ON true
WHERE s.evaluation_template_id = $1
ORDER BY s.stage_order, s.id
"""  # noqa: S608


async def rollup_inputs(
    connection: asyncpg.Connection, template_id: uuid.UUID, application_id: uuid.UUID
) -> tuple[list[EvaluationStage], dict[uuid.UUID, InterviewSession]]:
    """The template's stages, and the application's newest session per stage (only the
    columns the outcome's rollup reads)."""
    rows = await connection.fetch(_ROLLUP, template_id, application_id)
    stages: list[EvaluationStage] = []
    latest: dict[uuid.UUID, InterviewSession] = {}
    at = STAGES.width
    for row in rows:
        stage = STAGES.load(row)
        stages.append(stage)
        if row[at] is not None:
            latest[stage.id] = SESSIONS.make(
                id=row[at],
                evaluation_stage_id=stage.id,
                passed=row[at + 1],
                needs_human_review=row[at + 2],
            )
    return stages, latest


_SET_OUTCOME = "UPDATE template_applications SET outcome = $2, updated_at = $3 WHERE id = $1"


async def set_outcome(
    connection: asyncpg.Connection, application_id: uuid.UUID, outcome: str, now: datetime
) -> None:
    await connection.execute(_SET_OUTCOME, application_id, outcome, now)
