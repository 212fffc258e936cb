"""Multi-stage progression (SPEC §2): what happens when a stage's session is scored.

A scored, passed session hands the candidate on according to its stage's `automation_rule`:
`auto_advance` schedules (and invites to) the next active stage's session in the same
transaction as the scorecard; `require_reviewer_approval` sets the application to
`awaiting_review` until a reviewer calls `advance`; `none` stops there. A scorecard that
`needs_human_review` never auto-advances: it waits at `awaiting_review` like the reviewer
rule. The last stage passed makes the application `passed`, a failed stage `not_passed` (see
`rollup_outcome`).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.applications import service as applications
from vivavoce.applications.schemas import is_practice
from vivavoce.kit.errors import Conflict
from vivavoce.models import Application, EvaluationStage, InterviewSession
from vivavoce.sessions import service as sessions
from vivavoce.sessions.schemas import SessionCreate
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader

log = logging.getLogger(__name__)

AUTO_ADVANCE = "auto_advance"
REVIEWER_APPROVAL = "require_reviewer_approval"


def _next_stage(
    stages: list[EvaluationStage], current_id: uuid.UUID
) -> tuple[EvaluationStage | None, EvaluationStage | None]:
    """(the current stage, the next active one after it)."""
    ordered = sorted(stages, key=lambda s: (s.stage_order, s.id))
    current = next((s for s in ordered if s.id == current_id), None)
    if current is None:
        return None, None
    later = [
        s
        for s in ordered
        if s.status == "active"
        and not is_practice(s)  # a rehearsal is outside the pipeline: never scheduled by it
        and (s.stage_order, s.id) > (current.stage_order, current.id)
    ]
    return current, (later[0] if later else None)


async def _schedule(
    db: AsyncSession,
    application: Application,
    stage: EvaluationStage,
    key: str,
    links: sessions.SessionLinks,
    now: datetime,
) -> InterviewSession | None:
    body = SessionCreate(
        candidate_id=application.candidate_id,
        evaluation_template_id=application.evaluation_template_id,
        stage=stage.type,
        interview_id=stage.id,
        idempotency_key=key,
    )
    try:
        async with db.begin_nested():
            scheduled = await sessions.schedule(
                db, application.workspace_id, body, links, now, source=application.source
            )
    except Conflict as exc:  # e.g. a recruiter already scheduled that stage by hand
        log.info("stage %s of application %s not scheduled: %s", stage.type, application.id, exc)
        return None
    return scheduled.session


async def after_scored(
    db: AsyncSession, session: InterviewSession, links: sessions.SessionLinks, now: datetime
) -> None:
    """Apply the stage's automation rule to a freshly scored session (same transaction)."""
    await sessions.lock_participant(db, session.candidate_id)
    application = await applications.get_locked(db, session.workspace_id, session.application_id)
    if application.final_decision is not None:  # closed by its final review: nothing follows
        return
    stages = await templates.list_stages(
        db, session.workspace_id, application.evaluation_template_id
    )
    current, following = _next_stage(stages, session.evaluation_stage_id)
    latest = await applications.latest_by_stage(db, application)
    newest = latest.get(session.evaluation_stage_id)
    is_latest = newest is not None and newest.id == session.id  # an older retry decides nothing
    if session.passed and current is not None and following is not None and is_latest:
        if following.id in latest:
            pass  # the next stage already has a session (scheduled by hand)
        elif current.automation_rule == AUTO_ADVANCE and not session.needs_human_review:
            await _schedule(db, application, following, f"advance:{session.id}", links, now)
        elif current.automation_rule in (AUTO_ADVANCE, REVIEWER_APPROVAL):
            # a scorecard that needs a human review never advances on its own: it waits for
            # a reviewer exactly like `require_reviewer_approval`
            await applications.mark_awaiting_review(db, application, now)
    await applications.refresh_outcome(db, application, now)


async def start_first_stage(
    db: AsyncSession, application_id: uuid.UUID, links: sessions.SessionLinks, now: datetime
) -> None:
    """An approved application's first active stage gets its session (and invite); nothing
    for an application not approved or a template without an active stage. Idempotent: the
    session's idempotency_key is derived from the application."""
    application = await applications.get_any(db, application_id)
    if application is None or application.approval_status != "approved":
        return
    stages = await templates.list_stages(
        db, application.workspace_id, application.evaluation_template_id
    )
    first = next((s for s in stages if s.status == "active"), None)
    if first is None:
        log.warning("application %s approved, but its template has no active stage", application.id)
        return
    await _schedule(db, application, first, f"application:{application.id}:first-stage", links, now)


async def advance(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    application_id: uuid.UUID,
    links: sessions.SessionLinks,
    now: datetime,
    reader: Reader | None = None,
) -> Application:
    """A reviewer approves the next stage of an application `awaiting_review`: its session is
    scheduled and the invite sent. 409 when the application is not awaiting review."""
    unlocked = await applications.get(db, workspace_id, application_id, reader)
    await sessions.lock_participant(db, unlocked.candidate_id)
    application = await applications.get_locked(db, workspace_id, application_id)
    stages = await templates.list_stages(db, workspace_id, application.evaluation_template_id)
    latest = await applications.latest_by_stage(db, application)
    await applications.refresh_outcome(db, application, now)
    if application.outcome != "awaiting_review":
        raise Conflict(
            f"the application is {application.outcome}, not awaiting a reviewer",
            code="not_awaiting_review",
            outcome=application.outcome,
        )
    passed = [
        s
        for s in sorted(stages, key=lambda s: (s.stage_order, s.id))
        if s.id in latest and latest[s.id].passed
    ]
    following = _next_stage(stages, passed[-1].id)[1] if passed else None
    if following is None:  # nothing left to advance to: the rollup decides
        raise Conflict("there is no next stage to advance to", code="no_next_stage")
    session = await _schedule(
        db, application, following, f"advance:{latest[passed[-1].id].id}", links, now
    )
    if session is None:
        raise Conflict(
            f"the participant already has an open session for stage `{following.type}`",
            code="duplicate_session",
        )
    await applications.refresh_outcome(db, application, now)
    return application
