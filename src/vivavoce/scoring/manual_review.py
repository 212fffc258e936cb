"""Manual review (`manual_review` stage): a person, not the AI, scores the candidate.

Scheduling such a session sends the candidate nothing. A reviewer opens it (`scheduled →
in_progress`, `session.started`) and submits a scorecard on the stage's rubric (each
dimension 0-10 with notes) and a decision. Code computes the overall score as for any
scorecard (the weighted mean, `scorecard.verdict`); the decision sets `passed` (`advance`
passes, `reject` fails) and the recommendation from the rubric's vocabulary. Submitting
completes the session and writes the scorecard once (`session.completed`, `session.scored`),
then the stage's automation rule runs exactly as for a scored interview.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.applications import progression
from vivavoce.applications import service as applications
from vivavoce.applications.schemas import decisions_for
from vivavoce.kit.errors import Conflict, Forbidden, Issue, Unprocessable
from vivavoce.models import InterviewSession
from vivavoce.scoring.manual_schemas import ManualScorecard
from vivavoce.scoring.rubric import Rubric, rubric_from
from vivavoce.scoring.scorecard import one_decimal, verdict
from vivavoce.sessions import service as sessions
from vivavoce.sessions.modes import Mode
from vivavoce.workspaces import service as workspaces
from vivavoce.workspaces.actors import ReviewerIdentity

SCORER = "reviewer"


async def _review_session(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID, reviewer: ReviewerIdentity
) -> InterviewSession:
    """The session, when it is a manual review `reviewer` may do: 409 `wrong_mode` for
    another stage type, 403 `not_the_reviewer` when the stage names another reviewer (a
    key that acts as no user records for the workspace, as an integration does)."""
    session = await sessions.get(db, workspace_id, session_id)
    if await sessions.stage_mode(db, session) != "review":
        raise Conflict(
            "only a manual_review stage's session is reviewed by hand", code="wrong_mode"
        )
    named = await named_reviewer(db, session)
    if named is not None and reviewer.kind == "user" and reviewer.id != named:
        raise Forbidden("this review is assigned to another reviewer", code="not_the_reviewer")
    return session


async def _email_of(db: AsyncSession, user_id: uuid.UUID | None) -> str | None:
    user = await workspaces.get_user(db, user_id) if user_id is not None else None
    return user.email if user is not None else None


async def named_reviewer(db: AsyncSession, session: InterviewSession) -> uuid.UUID | None:
    """The user a manual review's stage names, or None for the reviewer pool."""
    setup = await sessions.interview_setup(db, session)
    named = (setup.stage.get("review") or {}).get("reviewer_user_id")
    return uuid.UUID(str(named)) if named else None


async def rubric_of(db: AsyncSession, session: InterviewSession) -> Rubric:
    setup = await sessions.interview_setup(db, session)
    return rubric_from(setup.profile or None, setup.template, setup.stage)


async def start(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    reviewer: ReviewerIdentity,
    links: sessions.SessionLinks,
    now: datetime,
) -> InterviewSession:
    """The reviewer opens the review (again while in progress: nothing changes)."""
    await _review_session(db, workspace_id, session_id, reviewer)
    return await sessions.open_for_review(db, workspace_id, session_id, links, now)


def breakdown(rubric: Rubric, body: ManualScorecard) -> list[dict[str, Any]]:
    """The reviewer's scores as a scorecard breakdown; 422 unless every rubric dimension,
    and nothing else, is scored once."""
    known = {d.id for d in rubric.dimensions}
    sent = [d.dimension_id for d in body.dimensions]
    problems = [
        *(f"unknown dimension {i}" for i in sent if i not in known),
        *(f"{i} is scored twice" for i in sorted({i for i in sent if sent.count(i) > 1})),
        *(f"{i} is not scored" for i in sorted(known - set(sent))),
    ]
    if problems:
        raise Unprocessable(
            "score every dimension of the stage's rubric once",
            [Issue(["body", "dimensions"], p) for p in problems],
            code="invalid_scorecard",
        )
    scores = {d.dimension_id: d for d in body.dimensions}
    rows = []
    for dim in rubric.dimensions:
        given = scores[dim.id]
        score = float(one_decimal(given.score))
        rows.append(
            {
                "dimension_id": dim.id,
                "name": dim.name,
                "weight": dim.weight,
                "score": score,
                "pass_threshold": dim.pass_threshold,
                "passed": None if dim.pass_threshold is None else score >= dim.pass_threshold,
                "feedback": (given.notes or "").strip(),
                "citations": [],
                "evidence_turns": [],
            }
        )
    return rows


async def submit(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    body: ManualScorecard,
    reviewer: ReviewerIdentity,
    links: sessions.SessionLinks,
    now: datetime,
) -> InterviewSession:
    session = await _review_session(db, workspace_id, session_id, reviewer)
    rubric = await rubric_of(db, session)
    rows = breakdown(rubric, body)
    overall, _, _ = verdict(
        [(float(r["weight"]), float(r["score"]), r["pass_threshold"]) for r in rows],
        rubric.pass_threshold,
    )
    positive, negative = rubric.vocabulary
    advance = body.decision == "advance"
    closed = await sessions.close_with_verdict(
        db,
        workspace_id,
        session_id,
        sessions.ReviewerVerdict(
            score=overall,
            passed=advance,
            recommendation=positive if advance else negative,
            feedback=(body.notes or "").strip(),
            evaluation_breakdown=rows,
            scorer=SCORER,
            reviewer_label=reviewer.label,
            rubric_version=rubric.version,
        ),
        links,
        now,
    )
    await progression.after_scored(db, closed, links, now)
    return closed


async def reviewer_context(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    mode: Mode,
    success_outcome: str,
) -> dict[str, Any]:
    """What the session page shows for a reviewer stage: the rubric to score, the
    template's decisions, the candidate's earlier stages and the final decision."""
    if mode not in ("review", "decision"):
        return {
            "rubric": [],
            "decisions": [],
            "earlier": [],
            "final_decision": None,
            "named_reviewer": None,
            "named_reviewer_email": None,
        }
    session = await sessions.get(db, workspace_id, session_id)
    application = await applications.public_view(
        db, await applications.get(db, workspace_id, session.application_id)
    )
    rubric = await rubric_of(db, session) if mode == "review" else None
    named = await named_reviewer(db, session) if mode == "review" else None
    return {
        "rubric": [
            {"id": d.id, "name": d.name, "weight": d.weight, "description": d.description}
            for d in (rubric.dimensions if rubric else ())
        ],
        "decisions": list(decisions_for(success_outcome)) if mode == "decision" else [],
        "earlier": [
            s
            for s in application["stages"]
            if s["latest_session_id"] and s["latest_session_id"] != str(session_id)
        ],
        "final_decision": application["final_decision"],
        "application_id": application["id"],
        "named_reviewer": str(named) if named else None,
        "named_reviewer_email": await _email_of(db, named),
    }
