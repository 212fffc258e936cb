"""Jobs: scheduling the first stage of an approved application."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from vivavoce.applications import apply_service, service
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Conflict
from vivavoce.kit.jobs import JobContext, JobRegistry
from vivavoce.sessions import service as sessions
from vivavoce.sessions.schemas import SessionCreate
from vivavoce.templates import service as templates

log = logging.getLogger(__name__)


async def start_first_stage(context: JobContext, payload: dict[str, Any]) -> None:
    """Schedule the first active stage's session (its invite goes out with it). Idempotent:
    the session's idempotency_key is derived from the application."""
    settings = context.settings
    links = sessions.SessionLinks(settings.base_url, settings.secret_key)
    async with unit_of_work(context.sessionmaker) as db:
        application = await service.get_any(db, uuid.UUID(payload["application_id"]))
        if application is None or application.approval_status != "approved":
            return
        stages = await templates.list_stages(
            db, application.workspace_id, application.evaluation_template_id
        )
        first = next((s for s in stages if s.status == "active"), None)
        if first is None:
            log.warning(
                "application %s approved, but its template has no active stage", application.id
            )
            return
        body = SessionCreate(
            candidate_id=application.candidate_id,
            evaluation_template_id=application.evaluation_template_id,
            stage=first.type,
            interview_id=first.id,
            idempotency_key=f"application:{application.id}:first-stage",
        )
        try:
            async with db.begin_nested():
                await sessions.schedule(
                    db, application.workspace_id, body, links, utcnow(), source=application.source
                )
        except Conflict as exc:  # e.g. a recruiter already scheduled this stage by hand
            log.info("first stage of application %s not scheduled: %s", application.id, exc)


PRUNE_APPLY_REQUESTS_JOB = "applications.prune_apply_requests"


async def prune_apply_requests(context: JobContext, _: dict[str, Any]) -> None:
    async with unit_of_work(context.sessionmaker) as db:
        removed = await apply_service.prune(db, utcnow())
    if removed:
        log.info("pruned %d apply-page submissions older than a day", removed)


def register(registry: JobRegistry) -> None:
    registry.job(service.START_FIRST_STAGE_JOB)(start_first_stage)
    registry.every(PRUNE_APPLY_REQUESTS_JOB, "7 * * * *")(prune_apply_requests)
