"""One-way assessments: the candidate's steps through the questions, one at a time.

Every step locks the session row (then the progress row), settles the question's clock at
the server's time and applies the step, so two tabs or a retried request can never answer a
question twice or skip one; a step names the question and attempt it was made on and is
refused (409 `assessment_moved_on`) once that is no longer current. A submitted answer
becomes two transcript turns (the question, tagged with its plan question id, and the
answer), so the scoring job scores the session like any interview; the last one completes
the session, which enqueues that job. A recorded answer (`assessments.recording`) is stored
as a pending turn and transcribed by a job (`assessments.transcription`): the session then
completes when its last answer is both submitted and transcribed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.assessments import media, repository
from vivavoce.assessments.rules import (
    Clock,
    Limits,
    Phase,
    recording_fits,
    seconds_left,
    settle,
    within_answer_time,
)
from vivavoce.assessments.schemas import Action
from vivavoce.interviewer.plan import InterviewPlan, PlannedQuestion, build_plan
from vivavoce.kit.errors import Conflict, Issue, Unprocessable
from vivavoce.kit.ids import uuid7
from vivavoce.kit.jobs import enqueue
from vivavoce.models import AssessmentProgress, InterviewSession
from vivavoce.sessions import service as sessions
from vivavoce.sessions import transcript
from vivavoce.sessions.state import Status
from vivavoce.templates.schemas import AssessmentSettings
from vivavoce.voice.recordings import RecordingStore, answer_key
from vivavoce.voice.service import DELETE_RECORDINGS_JOB

NO_ANSWER = "(no answer within the time limit)"
TRANSCRIBING = "(a recorded answer, being transcribed)"
TRANSCRIBE_JOB = "assessments.transcribe_answer"


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


def answer_kinds(settings: AssessmentSettings) -> list[str]:
    """The kinds of answer the page offers: the stage's, less recordings when this server
    cannot decode them."""
    return [k for k in settings.answer_kinds if k == "text" or media.available()]


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
            draft_media=None,
            media_keys=[],
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
    loaded, progress = await _open(db, token, links, now)
    if action.position != progress.position or action.attempt != progress.attempt:
        raise _moved_on(loaded, now)
    await _apply(db, loaded, action, links, now)
    return view(loaded, now)


@dataclass(frozen=True)
class Upload:
    """A recorded answer as uploaded, measured (`seconds`) before any lock is taken.
    `stored` collects the storage keys written, for the caller to delete should the
    transaction fail after all."""

    kind: media.MediaKind
    content_type: str
    data: bytes
    seconds: float
    position: int
    attempt: int
    stored: list[str] = field(default_factory=list)


async def record(
    db: AsyncSession,
    token: str,
    upload: Upload,
    store: RecordingStore,
    links: sessions.SessionLinks,
    arrived: datetime,
) -> dict[str, Any]:
    """A recorded answer to the question on the table, checked against the clock as of
    `arrived` (when the upload began: the time its bytes take to travel does not count
    against the candidate). Every refusal comes before anything is stored: a closed
    assessment, another question or attempt, a recording already in (409
    `assessment_moved_on`: the other tab won), a kind the stage does not take, a recording
    longer than the answer time or than the time since it began (422), the time over."""
    loaded, progress = await _open(db, token, links, arrived)
    moved = (upload.position, upload.attempt) != (progress.position, progress.attempt)
    if moved or progress.phase == "review":
        raise _moved_on(loaded, arrived)
    if progress.phase != "answering":
        raise _wrong_phase("recording", progress.phase)
    plan = InterviewPlan.from_dict(progress.plan)
    limits = _limits(plan.questions[progress.position], loaded.settings)
    _check_recording(loaded.settings, upload, progress, limits, arrived)
    key = answer_key(loaded.session.workspace_id, loaded.session.id, uuid7())
    await store.append(key, upload.data)
    upload.stored.append(key)
    progress.media_keys = [*progress.media_keys, key]
    progress.draft_media = {
        "key": key,
        "kind": upload.kind,
        "content_type": upload.content_type,
        "bytes": len(upload.data),
        "seconds": round(upload.seconds, 1),
    }
    progress.phase = "review"
    progress.updated_at = arrived
    if progress.attempt >= limits.retakes:  # nothing left to retake: the answer stands
        await _submit(db, loaded, plan, None, links, arrived, progress.draft_media)
    await db.flush()
    return view(loaded, arrived)


def _check_recording(
    settings: AssessmentSettings,
    upload: Upload,
    progress: AssessmentProgress,
    limits: Limits,
    arrived: datetime,
) -> None:
    if upload.kind not in answer_kinds(settings):
        raise Unprocessable(
            f"this assessment does not take {upload.kind} answers",
            [Issue(["query", "kind"], "not allowed")],
            code="answer_kind_not_allowed",
        )
    clock = Clock("answering", progress.phase_started_at)
    if not within_answer_time(clock, limits, arrived):
        raise Conflict("the answer time is over", code="answer_time_over")
    if not recording_fits(upload.seconds, clock, limits, arrived):
        raise Unprocessable(
            f"the recording lasts {upload.seconds:.0f} s, longer than the answer time allows",
            [Issue(["body"], "too long")],
            code="recording_too_long",
        )


async def _open(
    db: AsyncSession, token: str, links: sessions.SessionLinks, now: datetime
) -> tuple[Assessment, AssessmentProgress]:
    """The assessment in progress, its clock settled as of `now`, and its progress; 409
    `assessment_not_open` (with the state to show) otherwise."""
    loaded = await _load(db, token)
    progress = loaded.progress
    if progress is None or loaded.session.status != Status.IN_PROGRESS.value:
        raise Conflict(
            f"the assessment is {loaded.session.status}",
            code="assessment_not_open",
            state=view(loaded, now),
        )
    await _settle(db, loaded, links, now)
    return loaded, progress


def _moved_on(loaded: Assessment, now: datetime) -> Conflict:
    return Conflict(
        "the assessment has moved on from that question (another tab, or the time ran out)",
        code="assessment_moved_on",
        state=view(loaded, now),
    )


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
        await _discard_draft_media(db, progress)
        _begin(progress, "preparing" if limits.prep_seconds else "answering", now)
    elif action.action == "submit" and phase == "review":
        await _submit(db, loaded, plan, progress.draft, links, now, progress.draft_media)
    else:
        raise _wrong_phase(action.action, phase)
    progress.updated_at = now
    await db.flush()


async def _discard_draft_media(db: AsyncSession, progress: AssessmentProgress) -> None:
    """A recording that was retaken is no answer: its file is deleted once this commits."""
    if progress.draft_media:
        await enqueue(db, DELETE_RECORDINGS_JOB, {"keys": [progress.draft_media["key"]]})
    progress.draft_media = None


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
    if "text" not in loaded.settings.answer_kinds:
        raise Unprocessable(
            "this assessment takes recorded answers, not typed ones",
            [Issue(["body", "text"], "not allowed")],
            code="answer_kind_not_allowed",
        )
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
    recording: dict[str, Any] | None = None,
) -> None:
    """The question's answer is final: its turns are stored and the next question is ready
    (or the session completes, once no recorded answer awaits its transcript). A recorded
    answer's turn waits for its transcript, which a job writes."""
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
    if answer is None and recording is None:
        meta["unanswered"] = True
    await transcript.append_turn(db, session.id, "ai", question.text, asked_at, asked_at, meta)
    answer_meta: dict[str, Any] = {"assessment": True}
    if recording is not None:
        answer_meta.update(media=recording, transcription="pending")
    turn = await transcript.append_turn(
        db,
        session.id,
        "participant",
        TRANSCRIBING if recording else answer or NO_ANSWER,
        asked_at,
        now,
        answer_meta,
    )
    if recording is not None:
        await enqueue(db, TRANSCRIBE_JOB, {"turn_id": str(turn.id)}, dedupe_key=f"stt:{turn.id}")
    progress.position += 1
    progress.attempt = 0
    progress.draft = None
    progress.draft_media = None
    progress.phase = "ready"
    progress.phase_started_at = None
    progress.updated_at = now
    await db.flush()
    await complete_when_done(db, session, progress, links, now)


async def complete_when_done(
    db: AsyncSession,
    session: InterviewSession,
    progress: AssessmentProgress,
    links: sessions.SessionLinks,
    now: datetime,
) -> None:
    """Complete the session (which enqueues its scoring) once every question is submitted
    and every recorded answer transcribed; the caller holds the session's lock."""
    if session.status != Status.IN_PROGRESS.value:
        return
    if progress.position < len(progress.plan.get("questions") or []):
        return
    if await repository.pending_transcriptions(db, session.id):
        return
    await sessions.complete(db, session.workspace_id, session.id, links, now)


def view(loaded: Assessment, now: datetime) -> dict[str, Any]:
    """What the page shows: the question only once it is shown, and the server's countdown."""
    session, progress = loaded.session, loaded.progress
    body: dict[str, Any] = {
        "status": session.status,
        "answer_kinds": answer_kinds(loaded.settings),
        "speak_questions": loaded.settings.speak_questions,
    }
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
        recording=_recording_view(progress) if progress.phase == "review" else None,
    )
    return body


def _recording_view(progress: AssessmentProgress) -> dict[str, Any] | None:
    recorded = progress.draft_media
    if not recorded:
        return None
    return {key: recorded[key] for key in ("kind", "content_type", "bytes", "seconds")}


async def erase_participant_data(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    """For a deletion request: the answer saved but not submitted, the name in the plan and
    every recorded answer (deleted by a job once this commits; submitted answers are
    transcript turns, erased with the transcript)."""
    keys = await repository.erase_for_participant(db, workspace_id, participant_id)
    if keys:
        await enqueue(db, DELETE_RECORDINGS_JOB, {"keys": keys})
