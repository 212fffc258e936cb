"""Applications: created with a participant's first session for a template (or by hand),
read with the latest session of every stage."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.applications import repository, rollup_repository
from vivavoce.applications.schemas import (
    ApplicationCreate,
    application_public,
    outcome_of,
    rollup_outcome,
)
from vivavoce.emails import notify
from vivavoce.events import service as events
from vivavoce.kit.errors import Conflict, Issue, NotFound, Unprocessable
from vivavoce.kit.jobs import enqueue
from vivavoce.kit.pagination import Page, PageRequest, page_from_rows
from vivavoce.models import Application
from vivavoce.participants import service as participants
from vivavoce.sessions import service as sessions
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader


async def ensure_for(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    candidate_id: uuid.UUID,
    source: str,
    approval_status: str = "approved",
) -> tuple[Application, bool]:
    """`sessions.service.ensure_application`: the pair's application, created when missing."""
    return await sessions.ensure_application(
        db, workspace_id, template_id, candidate_id, source, approval_status
    )


async def create(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    body: ApplicationCreate,
    source: str = "api",
    reader: Reader | None = None,
) -> Application:
    participant = await participants.get(db, workspace_id, body.candidate_id, reader=reader)
    template = await templates.get_template(db, workspace_id, body.evaluation_template_id, reader)
    if (
        participant.evaluation_template_id is not None
        and participant.evaluation_template_id != template.id
    ):
        raise Unprocessable(
            "the participant belongs to another evaluation template; add a new participant "
            "for this one",
            [Issue(["body", "candidate_id"], "participant of another template")],
            code="participant_template_mismatch",
        )
    application, created = await ensure_for(
        db, workspace_id, template.id, participant.id, source, body.approval_status
    )
    if not created:
        raise Conflict(
            "this participant already has an application for this template",
            code="duplicate_application",
            existing_id=str(application.id),
        )
    return application


async def get(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    application_id: uuid.UUID,
    reader: Reader | None = None,
) -> Application:
    """An application of this workspace (and of a template `reader` may see), or
    NotFound("application")."""
    application = await repository.get(db, workspace_id, application_id)
    return await _seen(db, application, reader)


async def _seen(
    db: AsyncSession, application: Application | None, reader: Reader | None
) -> Application:
    if application is None:
        raise NotFound("application")
    await templates.ensure_visible(
        db,
        application.workspace_id,
        application.evaluation_template_id,
        reader,
        NotFound("application"),
    )
    return application


async def public_views(db: AsyncSession, applications: list[Application]) -> list[dict[str, Any]]:
    """Serialise applications with their rollups in two queries, whatever their number."""
    stages = await repository.stages_of_templates(
        db, list({a.evaluation_template_id for a in applications})
    )
    sessions = await repository.latest_sessions_per_stage(db, [a.id for a in applications])
    stages_by_template = defaultdict(list)
    for stage in stages:
        stages_by_template[stage.evaluation_template_id].append(stage)
    latest: dict[uuid.UUID, dict[uuid.UUID, Any]] = defaultdict(dict)
    for session in sessions:
        latest[session.application_id][session.evaluation_stage_id] = session
    external_ids: dict[uuid.UUID, str | None] = {}
    for workspace_id in {a.workspace_id for a in applications}:
        people = await participants.get_many(
            db,
            workspace_id,
            {a.candidate_id for a in applications if a.workspace_id == workspace_id},
        )
        external_ids.update({pid: person.external_id for pid, person in people.items()})
    return [
        application_public(
            a,
            stages_by_template[a.evaluation_template_id],
            latest[a.id],
            external_ids.get(a.candidate_id),
        )
        for a in applications
    ]


async def public_view(db: AsyncSession, application: Application) -> dict[str, Any]:
    return (await public_views(db, [application]))[0]


async def list_page(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    page: PageRequest,
    *,
    template_id: uuid.UUID | None = None,
    candidate_id: uuid.UUID | None = None,
    approval_status: str | None = None,
    outcome: str | None = None,
    reader: Reader | None = None,
) -> Page[dict[str, Any]]:
    """Newest first, without the applications of templates `reader` may not see."""
    rows = await repository.list_applications(
        db,
        workspace_id,
        hidden_template_ids=await templates.hidden_from(db, workspace_id, reader),
        limit=page.limit + 1,
        before=page.before,
        template_id=template_id,
        candidate_id=candidate_id,
        approval_status=approval_status,
        outcome=outcome,
    )
    result = page_from_rows(rows, page.limit, lambda a: a.id)
    return Page(await public_views(db, result.items), result.has_more, result.next_cursor)


START_FIRST_STAGE_JOB = "applications.start_first_stage"


async def _locked(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    application_id: uuid.UUID,
    reader: Reader | None = None,
) -> Application:
    application = await repository.get(db, workspace_id, application_id, for_update=True)
    return await _seen(db, application, reader)


async def _record(
    db: AsyncSession, application: Application, event_type: str, now: datetime
) -> None:
    await events.record(
        db,
        application.workspace_id,
        event_type,
        {"application": await public_view(db, application)},
        now,
        participant_id=application.candidate_id,
        application_id=application.id,
    )


async def _approve(db: AsyncSession, application: Application, now: datetime) -> None:
    """Approved: the event, and a job that schedules (and invites to) the first stage."""
    application.approval_status = "approved"
    application.decided_at = now
    application.updated_at = now
    await db.flush()
    await _record(db, application, "application.approved", now)
    await enqueue(db, START_FIRST_STAGE_JOB, {"application_id": str(application.id)})


def _require_pending(application: Application) -> None:
    if application.approval_status != "pending":
        raise Conflict(
            f"the application is already {application.approval_status}",
            code="application_decided",
            approval_status=application.approval_status,
        )


async def approve(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    application_id: uuid.UUID,
    now: datetime,
    reader: Reader | None = None,
) -> Application:
    """HR approves a pending application; the first stage is then scheduled and invited."""
    application = await _locked(db, workspace_id, application_id, reader)
    _require_pending(application)
    await _approve(db, application, now)
    return application


async def reject(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    application_id: uuid.UUID,
    reason: str | None,
    now: datetime,
    reader: Reader | None = None,
) -> Application:
    """HR rejects a pending application; the candidate gets a polite notice when the
    template's `apply.notify_on_rejection` is on."""
    application = await _locked(db, workspace_id, application_id, reader)
    _require_pending(application)
    application.approval_status = "rejected"
    application.decision_reason = reason
    application.decided_at = now
    application.updated_at = now
    await db.flush()
    await _record(db, application, "application.rejected", now)
    template = await templates.get_template(db, workspace_id, application.evaluation_template_id)
    if (template.apply or {}).get("notify_on_rejection", True):
        participant = await participants.get(db, workspace_id, application.candidate_id)
        # The reason is the reviewer's internal note: the candidate gets the polite notice only.
        await notify.application_rejected(db, participant, template, None)
    return application


async def submit(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    participant_id: uuid.UUID,
    *,
    source: str,
    requires_approval: bool,
    consent_text: str | None,
    consented_at: datetime | None,
    now: datetime,
) -> Application:
    """A candidate's own application (apply page): pending when the template needs an
    approval, otherwise approved at once (and the first stage scheduled)."""
    application, created = await ensure_for(
        db, workspace_id, template_id, participant_id, source, "pending"
    )
    if not created:
        raise Conflict(
            "this participant already has an application for this template",
            code="duplicate_application",
            existing_id=str(application.id),
        )
    application.consent_text = consent_text
    application.consented_at = consented_at
    await db.flush()
    if not requires_approval:
        await _approve(db, application, now)
    return application


async def refresh_outcome(db: AsyncSession, application: Application, now: datetime) -> str:
    """Store the outcome the rollup computes (so `?outcome=` filters see it); `awaiting_review`
    is kept until the next stage has a session."""
    stages = await repository.stages_of_templates(db, [application.evaluation_template_id])
    latest = {
        s.evaluation_stage_id: s
        for s in await repository.latest_sessions_per_stage(db, [application.id])
    }
    outcome = outcome_of(application, stages, latest)
    if outcome != application.outcome:
        application.outcome = outcome
        application.updated_at = now
        await db.flush()
    return outcome


async def refresh_outcome_on(
    connection: asyncpg.Connection, application: Application, now: datetime
) -> None:
    """`refresh_outcome` on asyncpg, in one read (and a write when it changed)."""
    stages, latest = await rollup_repository.rollup_inputs(
        connection, application.evaluation_template_id, application.id
    )
    outcome = rollup_outcome(stages, latest, application.outcome)
    if outcome != application.outcome:
        await rollup_repository.set_outcome(connection, application.id, outcome, now)


async def record_final_decision(
    db: AsyncSession,
    application: Application,
    decision: str,
    outcome: str,
    reason: str,
    decided_by: str,
    now: datetime,
) -> None:
    """The final review's decision on an application locked by `get_locked`, once: it closes
    the application (its outcome is fixed from now on) and fires `application.decided`."""
    if application.final_decision is not None:
        raise Conflict(
            f"the final decision was already recorded ({application.final_decision})",
            code="already_decided",
            decision=application.final_decision,
        )
    application.final_decision = decision
    application.final_reason = reason
    application.final_decided_at = now
    application.final_decided_by = decided_by[:320]
    application.outcome = outcome
    application.updated_at = now
    await db.flush()
    await _record(db, application, "application.decided", now)


async def mark_awaiting_review(db: AsyncSession, application: Application, now: datetime) -> None:
    application.outcome = "awaiting_review"
    application.updated_at = now
    await db.flush()


async def get_locked(
    db: AsyncSession, workspace_id: uuid.UUID, application_id: uuid.UUID
) -> Application:
    return await _locked(db, workspace_id, application_id)


async def latest_by_stage(db: AsyncSession, application: Application) -> dict[uuid.UUID, Any]:
    """The newest session of each stage of this application."""
    return {
        s.evaluation_stage_id: s
        for s in await repository.latest_sessions_per_stage(db, [application.id])
    }


async def get_any(db: AsyncSession, application_id: uuid.UUID) -> Application | None:
    """For jobs, which carry ids without a workspace."""
    return await repository.get_by_id(db, application_id)


async def erase_participant_data(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    await repository.erase_participant_fields(db, workspace_id, participant_id)
