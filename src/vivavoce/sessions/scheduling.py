"""POST /sessions' usual case in a few statements on asyncpg (ADR 0006, docs/benchmarks.md).

`api.fastwrite` calls this for a plain `POST /api/v1/sessions`, in a transaction on a
`StatementPool` connection. It writes what `service.schedule` writes — the application when
new, the session, `session.created` with its deliveries, the application's outcome, the
invitation and every job — by the same rules (`templates.same_label`, `Reader.sees`,
`rollup_outcome`, the email's rendering). Whenever a request is not the plain case (a
replayed `idempotency_key`, anything missing, archived, mismatched or already open: every
case that ends in an error or a replay) it answers None, its transaction is rolled back, and
the endpoint's way (`service.schedule`, on the ORM) decides, so errors are worded in one
place. Nothing else holds the rows it writes, so no ORM object can go stale.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import asyncpg

from vivavoce.events import service as events
from vivavoce.kit import bus, crypto
from vivavoce.kit.db import StatementPool
from vivavoce.kit.ids import uuid7
from vivavoce.kit.jobs import JobSpec, enqueue_on
from vivavoce.models import Application, InterviewSession
from vivavoce.sessions import scheduling_repository as repository
from vivavoce.sessions.domain_events import SessionScheduled
from vivavoce.sessions.modes import invites_candidate
from vivavoce.sessions.scheduling_repository import Parts
from vivavoce.sessions.schemas import SessionCreate, resolve_scheduled_at
from vivavoce.sessions.state import Status
from vivavoce.templates import service as templates
from vivavoce.templates.schemas import RUNNABLE_FORMATS
from vivavoce.templates.visibility import Reader


@dataclass(frozen=True)
class Written:
    """The new session and its public form (the event's snapshot, and the response)."""

    session: InterviewSession
    public: dict[str, Any]


class Links(Protocol):
    """What `service.SessionLinks` gives this module (which it imports)."""

    def token(self, session_id: uuid.UUID) -> str: ...
    def join_url(self, session: InterviewSession) -> str: ...
    def public(self, session: InterviewSession) -> dict[str, Any]: ...


async def schedule_plain(
    pool: StatementPool,
    workspace_id: uuid.UUID,
    body: SessionCreate,
    links: Links,
    now: datetime,
    source: str,
    reader: Reader | None,
    handlers: bus.Handlers,
) -> Written | None:
    """`try_schedule` in a transaction of its own on `pool`: committed with the new session,
    rolled back when None (a COMMIT that fails is `kit.db.CommitFailed`)."""

    async def work(connection: asyncpg.Connection) -> Written | None:
        return await try_schedule(
            connection, workspace_id, body, links, now, source, reader, handlers
        )

    return await pool.transaction(work)


async def try_schedule(
    connection: asyncpg.Connection,
    workspace_id: uuid.UUID,
    body: SessionCreate,
    links: Links,
    now: datetime,
    source: str,
    reader: Reader | None,
    handlers: bus.Handlers,
) -> Written | None:
    """The new session, written on `connection` (in the caller's transaction), or None for
    the caller to roll back and leave to `service.schedule`; `SessionScheduled`'s handlers
    run on the connection (`kit.bus.publish_on`)."""
    scheduled_at = resolve_scheduled_at(body.scheduled_at, body.timezone, now)
    if body.idempotency_key and await repository.idempotency_key_used(
        connection, workspace_id, body.idempotency_key
    ):
        return None
    parts = await _plain_parts(connection, workspace_id, body, reader)
    if parts is None:
        return None
    after_lock = await repository.read_after_lock(
        connection, parts.participant.id, parts.template.id, parts.stage.id
    )
    if after_lock.has_open_session and not body.force:
        return None
    application = after_lock.application or await repository.insert_application(
        connection, workspace_id, parts.template.id, parts.participant.id, source, uuid7()
    )
    if application is None or application.workspace_id != workspace_id:
        return None  # created meanwhile, or not this workspace's: the ORM path re-reads
    if application.final_decision is not None:
        return None  # closed by its final review: the ORM path says so (409)
    return await _write(
        connection, workspace_id, body, scheduled_at, parts, application, links, now, handlers
    )


async def _plain_parts(
    connection: asyncpg.Connection,
    workspace_id: uuid.UUID,
    body: SessionCreate,
    reader: Reader | None,
) -> Parts | None:
    """Template, stage and participant (locked) when the request is the plain case."""
    found = await repository.read_parts(
        connection,
        workspace_id,
        body.evaluation_template_id,
        body.candidate_id,
        body.interview_id,
        body.stage,
    )
    if len(found) != 1:
        return None
    parts = found[0]
    template, stage, participant = parts.template, parts.stage, parts.participant
    plain = (
        (reader is None or reader.sees(template))
        and template.status != "archived"
        and template.format in RUNNABLE_FORMATS
        and stage.evaluation_template_id == template.id
        and templates.same_label(stage.type, body.stage)
        and participant.status == "active"
        and participant.evaluation_template_id in (None, template.id)
        and invites_candidate(stage.stage_type)  # a reviewer's stage: the ORM path, no invite
        and templates.runnable_stage(stage)  # else the ORM path refuses it
    )
    return parts if plain else None


def new_session_values(
    session_id: uuid.UUID,
    workspace_id: uuid.UUID,
    body: SessionCreate,
    scheduled_at: datetime | None,
    parts: Parts,
    application_id: uuid.UUID,
    links: Links,
) -> dict[str, Any]:
    """The columns of a newly scheduled session, for both ways of writing it (this module's
    and `service.schedule`'s), so the two cannot drift apart."""
    template, stage, participant = parts.template, parts.stage, parts.participant
    return {
        "id": session_id,
        "workspace_id": workspace_id,
        "evaluation_template_id": template.id,
        "evaluation_stage_id": stage.id,
        "stage": stage.type,
        "candidate_id": participant.id,
        "application_id": application_id,
        "external_id": participant.external_id,
        "join_token_digest": crypto.digest(links.token(session_id)),
        "status": Status.SCHEDULED.value,
        "scheduled_at": scheduled_at,
        "timezone": body.timezone,
        "language": body.language or template.language,
        "notes": body.notes,
        "idempotency_key": body.idempotency_key,
        "needs_human_review": False,
    }


async def _write(
    connection: asyncpg.Connection,
    workspace_id: uuid.UUID,
    body: SessionCreate,
    scheduled_at: datetime | None,
    parts: Parts,
    application: Application,
    links: Links,
    now: datetime,
    handlers: bus.Handlers,
) -> Written | None:
    session_id = uuid7()
    template, stage, participant = parts.template, parts.stage, parts.participant
    stored = await repository.insert_session(
        connection,
        repository.SESSIONS.make(
            **new_session_values(
                session_id, workspace_id, body, scheduled_at, parts, application.id, links
            )
        ),
    )
    if stored is None:
        return None  # its idempotency_key was taken meanwhile: the ORM path replays that one
    public = links.public(stored)
    jobs: list[JobSpec] = await events.record_on(
        connection,
        workspace_id,
        "session.created",
        {"session": public},
        now,
        session_id=stored.id,
        participant_id=stored.candidate_id,
        application_id=stored.application_id,
    )
    scheduled = SessionScheduled(
        stored, application, participant, template, stage, public["join_url"], now
    )
    jobs += await bus.publish_on(connection, handlers, scheduled)
    await enqueue_on(connection, jobs)
    return Written(stored, public)
