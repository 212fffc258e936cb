"""The final review (`final_review` stage): the hiring team's decision on an application.

The decision is taken at the application's open `final_review` session (scheduled by hand
or by the previous stage's automation rule, with no invite to the candidate), in the
template's vocabulary (`schemas.DECISIONS`), with a reason, once. In one transaction it
completes that session with the decision as its scorecard (`session.started` if it had not
been opened, `session.completed`, `session.scored`), stores the decision on the application,
whose outcome it fixes (`passed`, `not_passed`, `on_hold`), and fires `application.decided`
(and its webhook). A closed application schedules no further session.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.applications import service as applications
from vivavoce.applications.schemas import FinalDecisionRequest, decision_outcome, decisions_for
from vivavoce.kit.errors import Conflict, Issue, Unprocessable
from vivavoce.models import Application, InterviewSession
from vivavoce.sessions import service as sessions
from vivavoce.sessions.state import OPEN, Status
from vivavoce.templates import service as templates

FINAL_REVIEW = "final_review"


async def open_final_session(db: AsyncSession, application: Application) -> InterviewSession | None:
    """The latest session of the application's active `final_review` stage, while open."""
    stages = await templates.list_stages(
        db, application.workspace_id, application.evaluation_template_id
    )
    latest = await applications.latest_by_stage(db, application)
    for stage in sorted(stages, key=lambda s: (s.stage_order, s.id)):
        session: InterviewSession | None = latest.get(stage.id)
        final = stage.stage_type == FINAL_REVIEW and stage.status == "active"
        if final and session is not None and Status(session.status) in OPEN:
            return session
    return None


async def decide(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    application_id: uuid.UUID,
    body: FinalDecisionRequest,
    decided_by: str,
    links: sessions.SessionLinks,
    now: datetime,
) -> Application:
    unlocked = await applications.get(db, workspace_id, application_id)
    await sessions.lock_participant(db, unlocked.candidate_id)  # the order scheduling locks in
    application = await applications.get_locked(db, workspace_id, application_id)
    if application.final_decision is not None:
        raise Conflict(
            f"the final decision was already recorded ({application.final_decision})",
            code="already_decided",
            decision=application.final_decision,
        )
    template = await templates.get_template(db, workspace_id, application.evaluation_template_id)
    allowed = decisions_for(template.success_outcome)
    if body.decision not in allowed:
        raise Unprocessable(
            f"`{body.decision}` is not a decision of this template",
            [Issue(["body", "decision"], f"one of: {', '.join(allowed)}")],
            code="unknown_decision",
        )
    session = await open_final_session(db, application)
    if session is None:
        raise Conflict(
            "the application has not reached its final review (no open final_review session)",
            code="not_at_final_review",
            outcome=application.outcome,
        )
    outcome = decision_outcome(template.success_outcome, body.decision)
    reason = body.reason.strip()
    await sessions.close_with_verdict(
        db,
        workspace_id,
        session.id,
        sessions.ReviewerVerdict(
            score=None,
            passed={"passed": True, "not_passed": False}.get(outcome),
            recommendation=body.decision,
            feedback=reason,
            evaluation_breakdown=[],
            scorer=FINAL_REVIEW,
            reviewer_label=decided_by,
        ),
        links,
        now,
    )
    await applications.record_final_decision(
        db, application, body.decision, outcome, reason, decided_by, now
    )
    return application
