"""Human review of a scorecard: a reviewer confirms it, or adjusts dimension scores with a
written reason, and code recomputes `score`, `passed` and `recommendation` exactly as the
scorer's scorecard was computed (`scorecard.verdict`).

The AI's original scorecard stays on the session (`ai_scorecard`), every action is appended
to the audit trail (who, when, before → after, why) and emits `session.score_reviewed` (and
its webhook) in the same transaction. The reviewed scorecard then goes through the stage's
automation rule like any fresh one, so an adjusted pass advances the candidate (and ends
`awaiting_review`). Concurrency: the session row is locked and the request names the
scorecard version it read; of two reviewers acting at once, one wins and the other gets 409
`scorecard_changed` with the version to read again.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.applications import progression
from vivavoce.events import service as events
from vivavoce.kit.errors import Conflict, Issue, Unprocessable
from vivavoce.models import InterviewSession, ScorecardReview
from vivavoce.scoring import review_repository as repository
from vivavoce.scoring.review_schemas import ReviewRequest, review_public
from vivavoce.scoring.rubric import rubric_from
from vivavoce.scoring.scorecard import one_decimal, verdict
from vivavoce.sessions import service as sessions
from vivavoce.sessions.schemas import review_info
from vivavoce.workspaces.actors import ReviewerIdentity

EVENT = "session.score_reviewed"


def _snapshot(
    score: Any, passed: bool | None, recommendation: str | None, breakdown: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "score": f"{one_decimal(score):.1f}",
        "passed": bool(passed),
        "recommendation": recommendation or "",
        "dimensions": {str(d["dimension_id"]): float(d.get("score") or 0) for d in breakdown},
    }


async def _original(db: AsyncSession, session: InterviewSession) -> dict[str, Any]:
    """The AI's scorecard; for one scored before it was kept, the current one with the bar
    and vocabulary of the rubric as it stands."""
    if session.ai_scorecard:
        return dict(session.ai_scorecard)
    setup = await sessions.interview_setup(db, session)
    rubric = rubric_from(setup.profile or None, setup.template, setup.stage)
    return {
        "score": f"{session.score:.1f}",
        "passed": session.passed,
        "recommendation": session.recommendation,
        "ai_feedback": session.ai_feedback,
        "evaluation_breakdown": list(session.evaluation_breakdown or []),
        "needs_human_review": session.needs_human_review,
        "review_reasons": list(session.review_reasons or []),
        "pass_threshold": rubric.pass_threshold,
        "vocabulary": list(rubric.vocabulary),
    }


def adjusted(breakdown: list[dict[str, Any]], body: ReviewRequest) -> list[dict[str, Any]]:
    """The breakdown with the reviewer's scores (422 for a dimension it does not have, or
    when nothing changes)."""
    known = {str(d["dimension_id"]) for d in breakdown}
    unknown = [a.dimension_id for a in body.dimensions if a.dimension_id not in known]
    if unknown:
        raise Unprocessable(
            f"the scorecard has no dimension {', '.join(unknown)}",
            [Issue(["body", "dimensions"], f"known: {', '.join(sorted(known))}")],
            code="unknown_dimension",
        )
    wanted = {a.dimension_id: float(one_decimal(a.score)) for a in body.dimensions}
    changed = False
    result = []
    for item in breakdown:
        new = wanted.get(str(item["dimension_id"]))
        if new is None or new == item.get("score"):
            result.append(item)
            continue
        changed = True
        threshold = item.get("pass_threshold")
        passed = None if threshold is None else new >= float(threshold)
        result.append({**item, "score": new, "passed": passed, "adjusted": True})
    if not changed:
        raise Unprocessable(
            "the adjustment changes no score",
            [Issue(["body", "dimensions"], "every score is already what you sent")],
            code="no_change",
        )
    return result


def _recomputed(breakdown: list[dict[str, Any]], original: dict[str, Any]) -> tuple[Any, bool, str]:
    bar = float(original.get("pass_threshold") or 7.0)
    positive, negative = [*(original.get("vocabulary") or []), "pass", "fail"][:2]
    dims = [
        (
            float(d["weight"]),
            float(d.get("score") or 0),
            None if d.get("pass_threshold") is None else float(d["pass_threshold"]),
        )
        for d in breakdown
    ]
    overall, passed, _ = verdict(dims, bar)
    return overall, passed, positive if passed else negative


async def review(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    body: ReviewRequest,
    reviewer: ReviewerIdentity,
    links: sessions.SessionLinks,
    now: datetime,
) -> tuple[InterviewSession, dict[str, Any]]:
    """Confirm or adjust a session's scorecard; returns the session and the audit entry."""
    session = await sessions.lock_scored(db, workspace_id, session_id)
    if session.score is None:  # a final review's decision: no scores to confirm or adjust
        raise Conflict("this session's scorecard is a decision, not scores", code="not_scores")
    if body.version != session.scorecard_version:
        raise Conflict(
            "the scorecard changed since you read it; read it again and review that",
            code="scorecard_changed",
            current_version=session.scorecard_version,
        )
    original = await _original(db, session)
    breakdown = list(session.evaluation_breakdown or [])
    before = _snapshot(session.score, session.passed, session.recommendation, breakdown)
    if body.action == "adjust":
        breakdown = adjusted(breakdown, body)
        score, passed, recommendation = _recomputed(breakdown, original)
    else:
        score, passed = session.score, bool(session.passed)
        recommendation = session.recommendation or ""
    action = "adjusted" if body.action == "adjust" else "confirmed"
    await sessions.write_review(
        db,
        session,
        sessions.ReviewedScorecard(
            score=score,
            passed=passed,
            recommendation=recommendation,
            evaluation_breakdown=breakdown,
            review_status=action,
            ai_scorecard=original,
        ),
        now,
    )
    entry = await _audit(db, session, body, action, reviewer, before, now)
    await events.record(
        db,
        session.workspace_id,
        EVENT,
        {"session": links.public(session), "review": entry},
        now,
        session_id=session.id,
        participant_id=session.candidate_id,
        application_id=session.application_id,
    )
    await progression.after_scored(db, session, links, now)
    return session, entry


async def _audit(
    db: AsyncSession,
    session: InterviewSession,
    body: ReviewRequest,
    action: str,
    reviewer: ReviewerIdentity,
    before: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    after = _snapshot(
        session.score,
        session.passed,
        session.recommendation,
        list(session.evaluation_breakdown or []),
    )
    row = ScorecardReview(
        workspace_id=session.workspace_id,
        session_id=session.id,
        version=session.scorecard_version,
        action=action,
        reason=(body.reason or "").strip() or None,
        reviewer_kind=reviewer.kind,
        reviewer_id=reviewer.id,
        reviewer_label=reviewer.label[:320],
        before=before,
        after=after,
        created_at=now,
    )
    await repository.add(db, row)
    return review_public(row)


async def history(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID
) -> dict[str, Any]:
    """The review state, the AI's original scorecard and the audit trail (oldest first)."""
    session = await sessions.get(db, workspace_id, session_id)
    rows = await repository.for_session(db, session.id)
    return {
        "session_id": str(session.id),
        "review": review_info(session) if session.scored_at else None,
        "ai_scorecard": session.ai_scorecard,
        "reviews": [review_public(r) for r in rows],
    }
