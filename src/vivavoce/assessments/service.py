"""One-way assessments: the candidate's steps through the questions, one at a time.

Every step locks the session row (then the progress row), settles the question's clock at
the server's time and applies the step, so two tabs or a retried request can never answer a
question twice or skip one; a step names the question and attempt it was made on and is
refused (409 `assessment_moved_on`) once that is no longer current. A submitted answer
becomes two transcript turns (the question, tagged with its plan question id, and the
answer), so the scoring job scores the session like any interview; the last one completes
the session, which enqueues that job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.assessments import repository
from vivavoce.assessments.rules import (
    Clock,
    Limits,
    Phase,
    seconds_left,
    settle,
    within_answer_time,
)
from vivavoce.assessments.schemas import Action
from vivavoce.interviewer.plan import InterviewPlan, PlannedQuestion, build_plan
from vivavoce.kit.errors import Conflict, Issue, Unprocessable
from vivavoce.models import AssessmentProgress, InterviewSession
from vivavoce.sessions import service as sessions
from vivavoce.sessions import transcript
from vivavoce.sessions.state import Status
from vivavoce.templates.schemas import AssessmentSettings

NO_ANSWER = "(no answer within the time limit)"


@dataclass(frozen=True)
class Assessment:
    session: InterviewSession
    progress: AssessmentProgress | None
    settings: AssessmentSettings


async def _load(db: AsyncSession, token: str) -> Assessment:
    session = await sessions.lock_by_token(db, token)
    if await sessions.stage_mode(db, session) != "async":
        raise Conflict("this session is not a one-way assessment", code="wrong_mode")
    progress = await repository.get(db, session.id, for_update=True)
    return Assessment(session, progress, await sessions.assessment_settings(db, session))


def _limits(question: PlannedQuestion, settings: AssessmentSettings) -> Limits:
    return Limits(
        settings.prep_seconds,
        question.time_limit_seconds or settings.answer_seconds,
        settings.retakes,
    )


async def start(
    db: AsyncSession, token: str, links: sessions.SessionLinks, now: datetime
) -> dict[str, Any]:
    """The candidate consents: the session starts (`session.started`) and the questions are
    fixed; again on a session in progress, it resumes where it is."""
    session = await sessions.join(db, token, links, now, mode="async")
    progress = await repository.get(db, session.id, for_update=True)
    if progress is None:
        setup = await sessions.interview_setup(db, session)
        plan = build_plan(
            setup.profile, setup.template, setup.stage, candidate_name=setup.candidate_name
        )
        progress = AssessmentProgress(
            session_id=session.id,
            workspace_id=session.workspace_id,
            plan=plan.to_dict(),
            position=0,
            attempt=0,
            phase="ready",
            phase_started_at=None,
            draft=None,
            updated_at=now,
        )
        await repository.add(db, progress)
    return await current(db, token, links, now)


async def current(
    db: AsyncSession, token: str, links: sessions.SessionLinks, now: datetime
) -> dict[str, Any]:
    """The state the page shows, after settling the clock (which may close a question whose
    answer time ran out, and so complete the session)."""
    loaded = await _load(db, token)
    if loaded.progress is not None and loaded.session.status == Status.IN_PROGRESS.value:
        await _settle(db, loaded, links, now)
    return view(loaded, now)


async def step(
    db: AsyncSession, token: str, action: Action, links: sessions.SessionLinks, now: datetime
) -> dict[str, Any]:
    loaded = await _load(db, token)
    progress = loaded.progress
    if progress is None or loaded.session.status != Status.IN_PROGRESS.value:
        raise Conflict(
            f"the assessment is {loaded.session.status}",
            code="assessment_not_open",
            state=view(loaded, now),
        )
    await _settle(db, loaded, links, now)
    if action.position != progress.position or action.attempt != progress.attempt:
        raise Conflict(
            "the assessment has moved on from that question (another tab, or the time ran out)",
            code="assessment_moved_on",
            state=view(loaded, now),
        )
    await _apply(db, loaded, action, links, now)
    return view(loaded, now)


async def _settle(
    db: AsyncSession, loaded: Assessment, links: sessions.SessionLinks, now: datetime
) -> None:
    progress = loaded.progress
    assert progress is not None
    plan = InterviewPlan.from_dict(progress.plan)
    if progress.position >= len(plan.questions):
        return
    limits = _limits(plan.questions[progress.position], loaded.settings)
    clock, expired = settle(Clock(progress.phase, progress.phase_started_at), limits, now)  # type: ignore[arg-type]
    progress.phase, progress.phase_started_at = clock.phase, clock.started_at
    if expired:
        await _submit(db, loaded, plan, None, links, now)


def _wrong_phase(action: str, phase: str) -> Conflict:
    return Conflict(f"`{action}` is not possible while {phase}", code="invalid_step", phase=phase)


async def _apply(
    db: AsyncSession,
    loaded: Assessment,
    action: Action,
    links: sessions.SessionLinks,
    now: datetime,
) -> None:
    progress = loaded.progress
    assert progress is not None
    plan = InterviewPlan.from_dict(progress.plan)
    limits = _limits(plan.questions[progress.position], loaded.settings)
    phase = progress.phase
    if action.action == "show" and phase == "ready":
        _begin(progress, "preparing" if limits.prep_seconds else "answering", now)
    elif action.action == "answer_now" and phase == "preparing":
        _begin(progress, "answering", now)
    elif action.action == "answer" and phase == "answering":
        await _answer(db, loaded, plan, limits, action.text, links, now)
    elif action.action == "retake" and phase == "review":
        if progress.attempt >= limits.retakes:
            raise Conflict("no retakes are left for this question", code="no_retakes_left")
        progress.attempt += 1
        progress.draft = None
        _begin(progress, "preparing" if limits.prep_seconds else "answering", now)
    elif action.action == "submit" and phase == "review":
        await _submit(db, loaded, plan, progress.draft, links, now)
    else:
        raise _wrong_phase(action.action, phase)
    progress.updated_at = now
    await db.flush()


def _begin(progress: AssessmentProgress, phase: str, now: datetime) -> None:
    progress.phase = phase
    progress.phase_started_at = now


async def _answer(
    db: AsyncSession,
    loaded: Assessment,
    plan: InterviewPlan,
    limits: Limits,
    text: str | None,
    links: sessions.SessionLinks,
    now: datetime,
) -> None:
    progress = loaded.progress
    assert progress is not None
    clock = Clock("answering", progress.phase_started_at)
    answer = (text or "").strip()
    if not answer:
        if seconds_left(clock, limits, now) == 0.0:  # the time ran out on an empty answer
            await _submit(db, loaded, plan, None, links, now)
            return
        raise Unprocessable("write an answer first", [Issue(["body", "text"], "empty")])
    if not within_answer_time(clock, limits, now):
        raise Conflict("the answer time is over", code="answer_time_over")
    progress.draft = answer
    progress.phase = "review"
    if progress.attempt >= limits.retakes:  # nothing left to retake: the answer stands
        await _submit(db, loaded, plan, answer, links, now)


async def _submit(
    db: AsyncSession,
    loaded: Assessment,
    plan: InterviewPlan,
    answer: str | None,
    links: sessions.SessionLinks,
    now: datetime,
) -> None:
    """The question's answer is final: its turns are stored and the next question is ready
    (or the session completes)."""
    progress, session = loaded.progress, loaded.session
    assert progress is not None
    question = plan.questions[progress.position]
    asked_at = progress.phase_started_at or now
    meta: dict[str, Any] = {
        "question_id": question.id,
        "move": "ask",
        "attempts": progress.attempt + 1,
    }
    if progress.position == 0:
        meta["plan"] = plan.to_dict()
    if answer is None:
        meta["unanswered"] = True
    await transcript.append_turn(db, session.id, "ai", question.text, asked_at, asked_at, meta)
    await transcript.append_turn(
        db, session.id, "participant", answer or NO_ANSWER, asked_at, now, {"assessment": True}
    )
    progress.position += 1
    progress.attempt = 0
    progress.draft = None
    progress.phase = "ready"
    progress.phase_started_at = None
    progress.updated_at = now
    await db.flush()
    if progress.position >= len(plan.questions):
        await sessions.complete(db, session.workspace_id, session.id, links, now)


def view(loaded: Assessment, now: datetime) -> dict[str, Any]:
    """What the page shows: the question only once it is shown, and the server's countdown."""
    session, progress = loaded.session, loaded.progress
    body: dict[str, Any] = {"status": session.status}
    if progress is None:
        return {**body, "phase": "not_started", "total": None}
    plan = InterviewPlan.from_dict(progress.plan)
    total = len(plan.questions)
    body.update(total=total, position=progress.position, attempt=progress.attempt)
    if progress.position >= total or session.status != Status.IN_PROGRESS.value:
        return {**body, "phase": "done"}
    question = plan.questions[progress.position]
    limits = _limits(question, loaded.settings)
    clock = Clock(cast(Phase, progress.phase), progress.phase_started_at)
    body.update(
        phase=progress.phase,
        prep_seconds=limits.prep_seconds,
        answer_seconds=limits.answer_seconds,
        retakes_left=max(0, limits.retakes - progress.attempt),
        seconds_left=seconds_left(clock, limits, now),
        question=question.text if progress.phase != "ready" else None,
        draft=progress.draft if progress.phase == "review" else None,
    )
    return body


async def erase_participant_data(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    """For a deletion request: the answer saved but not submitted, and the name in the plan
    (submitted answers are transcript turns, erased with the transcript)."""
    await repository.erase_for_participant(db, workspace_id, participant_id)
