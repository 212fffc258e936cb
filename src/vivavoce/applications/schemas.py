from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import Application, EvaluationStage, InterviewSession

ApprovalStatus = Literal["pending", "approved", "rejected"]
Outcome = Literal["in_progress", "passed", "not_passed", "awaiting_review", "on_hold"]
Source = Literal["apply_page", "api", "dashboard"]


class ApplicationCreate(StrictModel):
    candidate_id: uuid.UUID
    evaluation_template_id: uuid.UUID
    approval_status: Literal["pending", "approved"] = "approved"
    accountSlug: str | None = Field(default=None, max_length=63)


class RejectRequest(StrictModel):
    reason: str | None = Field(
        default=None, max_length=1000, description="Kept for the record; never emailed"
    )
    accountSlug: str | None = Field(default=None, max_length=63)


class FinalDecisionRequest(StrictModel):
    """The hiring team's decision at a `final_review` stage, in the template's vocabulary
    (`decisions_for`)."""

    decision: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=2000, description="Why; kept for the record")
    accountSlug: str | None = Field(default=None, max_length=63)


# The decisions a final review may record, by the template's `success_outcome`: the first
# closes the application as passed, the second as not passed, the third puts it on hold.
DECISIONS: dict[str, tuple[str, str, str]] = {
    "hire_no_hire": ("hire", "no_hire", "hold"),
    "admit_reject": ("admit", "reject", "waitlist"),
    "pass_fail": ("pass", "fail", "hold"),
    "ready_needs_training": ("ready", "needs_training", "hold"),
    "certified_not_certified": ("certified", "not_certified", "hold"),
    "custom": ("accept", "decline", "hold"),
}


def decisions_for(success_outcome: str) -> tuple[str, str, str]:
    return DECISIONS.get(success_outcome, DECISIONS["custom"])


def decision_outcome(success_outcome: str, decision: str) -> str:
    """`passed`, `not_passed` or `on_hold`: what a recorded decision makes the outcome."""
    positive, negative, _ = decisions_for(success_outcome)
    return {positive: "passed", negative: "not_passed"}.get(decision, "on_hold")


class FinalDecision(BaseModel):
    decision: str
    reason: str | None
    decided_at: str
    decided_by: str | None


class StageRollup(BaseModel):
    evaluation_stage_id: str
    stage: str
    stage_name: str | None
    stage_order: int
    latest_session_id: str | None
    status: str | None
    score: str | None
    passed: bool | None


class ApplicationOut(BaseModel):
    id: str
    evaluation_template_id: str
    candidate_id: str
    external_id: str | None
    source: str
    approval_status: str
    scheduling_status: str = Field(
        description="The latest session's status; `queued` while the first stage of an "
        "approved application is being scheduled; `unscheduled` before that"
    )
    current_stage: str | None
    latest_session_id: str | None
    stages: list[StageRollup]
    outcome: str
    final_decision: FinalDecision | None = Field(
        default=None,
        description="The final review's decision; once recorded the application is closed",
    )
    created_at: str
    updated_at: str


def _score(session: InterviewSession) -> str | None:
    return None if session.score is None else f"{session.score:.1f}"


def is_practice(stage: EvaluationStage) -> bool:
    """A candidate's rehearsal: outside the pipeline, never passed or failed."""
    return stage.stage_type == "practice_session"


def rollup_outcome(
    stages: list[EvaluationStage],
    latest_by_stage: dict[uuid.UUID, InterviewSession],
    stored: str,
) -> str:
    """The application's outcome from the latest session of every active stage, in order:
    a failed stage → `not_passed`; every stage passed → `passed`; a stage passed whose
    next stage waits for a reviewer (the stored `awaiting_review`) → `awaiting_review`;
    otherwise `in_progress`. A passed scorecard that needs a human review holds the
    application at `awaiting_review` until a reviewer acts (reviews it, or advances it so the
    next stage has a session): no consequence follows an untrusted score. The latest session
    per stage wins, so a retry counts at once."""
    active = sorted(
        (s for s in stages if s.status == "active" and not is_practice(s)),
        key=lambda s: s.stage_order,
    )
    if not active:
        return stored
    for position, stage in enumerate(active):
        session = latest_by_stage.get(stage.id)
        if session is None:
            return "awaiting_review" if stored == "awaiting_review" else "in_progress"
        if session.passed is None:
            return "in_progress"
        if not session.passed:
            return "not_passed"
        later_started = any(s.id in latest_by_stage for s in active[position + 1 :])
        if session.needs_human_review and not later_started:
            return "awaiting_review"
    return "passed"


def outcome_of(
    application: Application,
    stages: list[EvaluationStage],
    latest_by_stage: dict[uuid.UUID, InterviewSession],
) -> str:
    """A final decision settles the outcome for good (stored with it: `decision_outcome`);
    before one, the rollup decides."""
    if application.final_decision is not None and application.final_decided_at is not None:
        return application.outcome
    return rollup_outcome(stages, latest_by_stage, application.outcome)


def final_decision_public(application: Application) -> dict[str, Any] | None:
    if application.final_decision is None or application.final_decided_at is None:
        return None
    return {
        "decision": application.final_decision,
        "reason": application.final_reason,
        "decided_at": isoformat_z(application.final_decided_at),
        "decided_by": application.final_decided_by,
    }


def scheduling_status(
    application: Application,
    stages: list[EvaluationStage],
    newest: InterviewSession | None,
) -> str:
    """The newest session's status; before there is one, `queued` when an approval has
    asked for the first stage to be scheduled (a job does it within seconds)."""
    if newest is not None:
        return newest.status
    approved = application.approval_status == "approved" and application.decided_at is not None
    if approved and any(s.status == "active" for s in stages):
        return "queued"
    return "unscheduled"


def application_public(
    application: Application,
    stages: list[EvaluationStage],
    latest_by_stage: dict[uuid.UUID, InterviewSession],
    external_id: str | None = None,
) -> dict[str, Any]:
    """The application with its per-stage rollup; the newest session overall sets
    `scheduling_status`, `current_stage` and `latest_session_id`."""
    rollup = []
    for stage in stages:
        session = latest_by_stage.get(stage.id)
        rollup.append(
            {
                "evaluation_stage_id": str(stage.id),
                "stage": stage.type,
                "stage_name": stage.stage_name,
                "stage_order": stage.stage_order,
                "latest_session_id": str(session.id) if session else None,
                "status": session.status if session else None,
                "end_reason": session.end_reason if session else None,
                "score": _score(session) if session else None,
                "passed": session.passed if session else None,
            }
        )
    newest = max(latest_by_stage.values(), key=lambda s: s.id, default=None)
    return {
        "id": str(application.id),
        "evaluation_template_id": str(application.evaluation_template_id),
        "candidate_id": str(application.candidate_id),
        "external_id": external_id,
        "source": application.source,
        "approval_status": application.approval_status,
        "scheduling_status": scheduling_status(application, stages, newest),
        "current_stage": newest.stage if newest else (stages[0].type if stages else None),
        "latest_session_id": str(newest.id) if newest else None,
        "stages": rollup,
        "outcome": outcome_of(application, stages, latest_by_stage),
        "final_decision": final_decision_public(application),
        "created_at": isoformat_z(application.created_at),
        "updated_at": isoformat_z(application.updated_at),
    }
