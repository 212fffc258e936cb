"""Sessions: scheduling, reading, and every status change.

This module is the only writer of `sessions.status`. Each change locks the row, asks the
pure state machine (`state.apply`) what may happen, and writes the resulting events in
the same transaction, so exactly one of two racing triggers wins and nothing is emitted
for a change that rolls back. What a change means to other domains (invites, the
application's outcome) is published as a domain event (`sessions.domain_events`,
`kit.bus`), handled by those domains in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.agent_profiles import service as agent_profiles
from vivavoce.agent_profiles.schemas import profile_public
from vivavoce.events import service as events
from vivavoce.kit import bus, crypto, pubsub
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import StatementPool, raw_connection
from vivavoce.kit.errors import Conflict, Forbidden, Issue, NotFound, Unprocessable
from vivavoce.kit.ids import uuid7
from vivavoce.kit.jobs import enqueue
from vivavoce.kit.pagination import Page, PageRequest, page_from_rows
from vivavoce.models import (
    Application,
    EvaluationStage,
    EvaluationTemplate,
    InterviewSession,
    Participant,
)
from vivavoce.participants import service as participants
from vivavoce.sessions import (
    live_repository,
    recording_links,
    repository,
    scheduling,
    signals,
    transcript,
)
from vivavoce.sessions.domain_events import SessionCancelled, SessionRescheduled, SessionScheduled
from vivavoce.sessions.errors import ensure_holder
from vivavoce.sessions.modes import Mode, mode_of
from vivavoce.sessions.scheduling_repository import Parts
from vivavoce.sessions.schemas import (
    SessionCreate,
    SessionFilters,
    SessionUpdate,
    elapsed_seconds,
    resolve_scheduled_at,
    session_public,
)
from vivavoce.sessions.state import OPEN, EndReason, InvalidTransition, Status, Trigger, apply
from vivavoce.templates import service as templates
from vivavoce.templates.schemas import AssessmentSettings, stage_public, template_public
from vivavoce.templates.schemas import assessment_settings as assessment_settings_of
from vivavoce.templates.schemas import practice_settings as practice_settings_of
from vivavoce.templates.visibility import Reader


@dataclass(frozen=True)
class SessionLinks:
    """Builds the public links of a session. Join tokens are derived from the secret key,
    so the database stores only their digests yet the join_url can be shown again — under
    whichever listed secret made it, so rotating the key keeps every link that was sent."""

    public_url: str
    secret_key: str

    def token(self, session_id: uuid.UUID) -> str:
        """A new session's join token (the newest secret)."""
        return crypto.derive_token(self.secret_key, "join", str(session_id))

    def _stored_token(self, session: InterviewSession) -> str:
        for candidate in crypto.candidate_tokens(self.secret_key, "join", str(session.id)):
            if crypto.digest(candidate) == session.join_token_digest:
                return candidate
        return self.token(session.id)  # made under a secret no longer listed: a dead link

    def join_url(self, session: InterviewSession) -> str:
        return f"{self.public_url.rstrip('/')}/join/{self._stored_token(session)}"

    def recording_url(self, session: InterviewSession) -> str | None:
        """A signed link to the audio, valid for an hour, when the session has a recording."""
        if session.recording_key is None:
            return None
        return recording_links.recording_url(self.public_url, self.secret_key, session.id, utcnow())

    def public(self, session: InterviewSession) -> dict[str, Any]:
        return session_public(
            session,
            self.join_url(session),
            self.public_url.rstrip("/"),
            self.recording_url(session),
        )


@dataclass(frozen=True)
class Scheduled:
    session: InterviewSession
    created: bool


async def schedule(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    body: SessionCreate,
    links: SessionLinks,
    now: datetime,
    source: str = "api",
    reader: Reader | None = None,
) -> Scheduled:
    """Create a scheduled session (SPEC §3 POST /sessions); `created` is False when an
    `idempotency_key` matched an existing session, which is returned as it is. A template
    `reader` may not see (another user's private one) is 404."""
    if body.idempotency_key:
        existing = await repository.get_by_idempotency_key(db, workspace_id, body.idempotency_key)
        if existing is not None:
            return Scheduled(_same_request(existing, body), created=False)
    scheduled_at = resolve_scheduled_at(body.scheduled_at, body.timezone, now)
    template = await _runnable_template(db, workspace_id, body.evaluation_template_id, reader)
    stage = await _resolve_stage(db, workspace_id, template.id, body.stage, body.interview_id)
    templates.require_runnable_stage(stage)
    participant = await _schedulable_participant(db, workspace_id, body, template, stage, reader)
    application = await _open_application(db, workspace_id, template.id, participant.id, source)
    session_id = uuid7()
    session = InterviewSession(
        **scheduling.new_session_values(
            session_id,
            workspace_id,
            body,
            scheduled_at,
            Parts(template, stage, participant),
            application.id,
            links,
        )
    )
    existing = await _add_unless_key_taken(db, workspace_id, session, body)
    if existing is not None:
        return Scheduled(_same_request(existing, body), created=False)
    await _record(db, session, "session.created", links, now)
    scheduled = SessionScheduled(
        session, application, participant, template, stage, links.join_url(session), now
    )
    await bus.publish(db, scheduled)
    return Scheduled(session, created=True)


async def _runnable_template(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID, reader: Reader | None
) -> EvaluationTemplate:
    """The template a new session is for: visible to `reader`, not archived, of a format
    vivavoce can run."""
    template = await templates.get_template(db, workspace_id, template_id, reader)
    if template.status == "archived":
        raise Conflict("this evaluation template is archived", code="template_archived")
    templates.require_runnable_format(template)
    return template


async def _schedulable_participant(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    body: SessionCreate,
    template: EvaluationTemplate,
    stage: EvaluationStage,
    reader: Reader | None,
) -> Participant:
    """The candidate of a new session, its row locked: active, of this template (or of
    none), and without an open session for `stage` unless `body.force`."""
    # Locked as it is read: sessions of one participant are scheduled one at a time (the
    # duplicate check below then holds).
    participant = await participants.get(
        db, workspace_id, body.candidate_id, for_update=True, reader=reader
    )
    if participant.status != "active":
        raise Conflict(
            "this participant is archived",
            code="participant_archived",
            resource="participant",
            field="candidate_id",
            id=participant.id,
        )
    if (
        participant.evaluation_template_id is not None
        and participant.evaluation_template_id != template.id
    ):
        raise Unprocessable(
            "the participant belongs to another evaluation template",
            [Issue(["body", "candidate_id"], "participant of another template")],
            code="participant_template_mismatch",
        )
    if not body.force:
        open_session = await repository.open_session_for(db, participant.id, stage.id)
        if open_session is not None:
            raise Conflict(
                f"participant already has an open {open_session.status} session for stage "
                f"`{stage.type}`; pass force=true to create another",
                code="duplicate_session",
                resource="participant",
                field="candidate_id",
                id=participant.id,
                session_id=str(open_session.id),
            )
    return participant


async def _open_application(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    participant_id: uuid.UUID,
    source: str,
) -> Application:
    """The participant's application to the template (created on its first session); one
    closed by its final review takes no more sessions."""
    application, _ = await ensure_application(db, workspace_id, template_id, participant_id, source)
    if application.final_decision is not None:
        raise Conflict(
            f"the application was closed by its final review ({application.final_decision})",
            code="application_closed",
            application_id=str(application.id),
        )
    return application


async def ensure_application(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    candidate_id: uuid.UUID,
    source: str,
    approval_status: str = "approved",
) -> tuple[Application, bool]:
    """The application of this participant for this template, created when missing
    (race-safe: concurrent callers get the same row). Written here because a session needs
    it before its insert; applications own everything else about it."""
    candidate = Application(
        id=uuid7(),
        workspace_id=workspace_id,
        evaluation_template_id=template_id,
        candidate_id=candidate_id,
        source=source,
        approval_status=approval_status,
        outcome="in_progress",
    )
    created = await repository.insert_application_if_absent(db, candidate)
    application = await repository.application_for_pair(db, template_id, candidate_id)
    if application is None or application.workspace_id != workspace_id:
        raise NotFound("application")
    return application, created


async def _add_unless_key_taken(
    db: AsyncSession, workspace_id: uuid.UUID, session: InterviewSession, body: SessionCreate
) -> InterviewSession | None:
    """Insert `session`; the session that holds its `idempotency_key` instead when a
    concurrent request with the same key won the race (None: inserted)."""
    if not body.idempotency_key:  # no savepoint (two round trips) when no key can collide
        await repository.add(db, session)
        return None
    try:
        async with db.begin_nested():
            await repository.add(db, session)
    except IntegrityError:
        existing = await repository.get_by_idempotency_key(db, workspace_id, body.idempotency_key)
        if existing is not None:
            return existing
        raise
    return None


def _same_request(existing: InterviewSession, body: SessionCreate) -> InterviewSession:
    """An `idempotency_key` replays only the request it was first used with."""
    if (
        existing.candidate_id != body.candidate_id
        or existing.evaluation_template_id != body.evaluation_template_id
        or not templates.same_label(existing.stage, body.stage)
    ):
        raise Unprocessable(
            "this idempotency_key was already used for another participant, template or stage",
            [Issue(["body", "idempotency_key"], f"already used by session {existing.id}")],
            code="idempotency_key_reused",
        )
    return existing


async def _resolve_stage(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    stage_type: str,
    stage_id: uuid.UUID | None,
) -> EvaluationStage:
    if stage_id is not None:
        chosen = await templates.get_stage(db, workspace_id, stage_id)
        if chosen.evaluation_template_id != template_id or not templates.same_label(
            chosen.type, stage_type
        ):
            raise Unprocessable(
                "interview_id does not match the template and stage",
                [Issue(["body", "interview_id"], f"is not stage `{stage_type}` of this template")],
            )
        return chosen
    stage = await templates.find_stage(db, workspace_id, template_id, stage_type)
    if stage is None:
        known = [s.type for s in await templates.list_stages(db, workspace_id, template_id)]
        raise Unprocessable(
            f"the template has no stage `{stage_type}`",
            [Issue(["body", "stage"], f"known stages: {', '.join(known) or 'none yet'}")],
            code="unknown_stage",
        )
    return stage


async def get(db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID) -> InterviewSession:
    session = await repository.get(db, workspace_id, session_id)
    if session is None:
        raise NotFound("session")
    return session


async def read(
    reads: StatementPool, workspace_id: uuid.UUID, session_id: uuid.UUID, reader: Reader
) -> InterviewSession:
    """`get_visible` for read-only requests: one statement, no ORM session."""
    session = await repository.read(reads, workspace_id, session_id, reader.user_id)
    if session is None:
        raise NotFound("session")
    return session


async def list_page(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    filters: SessionFilters,
    page: PageRequest,
    links: SessionLinks,
) -> Page[dict[str, Any]]:
    if filters.status is not None and filters.status not in {s.value for s in Status}:
        raise Unprocessable("unknown status", [Issue(["query", "status"], "unknown status")])
    rows = await repository.list_sessions(
        db, workspace_id, filters, limit=page.limit + 1, before=page.before
    )
    result = page_from_rows(rows, page.limit, lambda s: s.id)
    return Page([links.public(s) for s in result.items], result.has_more, result.next_cursor)


async def reschedule(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    body: SessionUpdate,
    links: SessionLinks,
    now: datetime,
    reader: Reader | None = None,
) -> InterviewSession:
    session = await _locked(db, workspace_id, session_id, reader)
    _transition(session, Trigger.RESCHEDULE)
    previous_time = session.scheduled_at
    fields = body.model_fields_set
    if "timezone" in fields:
        if body.timezone is None:
            raise Unprocessable("timezone cannot be null", [Issue(["body", "timezone"], "null")])
        session.timezone = body.timezone
    if "scheduled_at" in fields:
        session.scheduled_at = resolve_scheduled_at(body.scheduled_at, session.timezone, now)
    if "notes" in fields:
        session.notes = body.notes
    session.updated_at = now
    await db.flush()
    if session.scheduled_at != previous_time:  # a new time is news to the candidate
        moved = SessionRescheduled(session, previous_time, links.join_url(session), now)
        await bus.publish(db, moved)
    return session


async def cancel(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    links: SessionLinks,
    now: datetime,
    reader: Reader | None = None,
) -> InterviewSession:
    session = await _locked(db, workspace_id, session_id, reader)
    events_to_write = _transition(session, Trigger.CANCEL)
    session.ended_at = now
    session.end_reason = EndReason.CANCELLED.value
    await _save(db, session, events_to_write, links, now)
    await bus.publish(db, SessionCancelled(session, now))
    return session


async def stage_mode(db: AsyncSession, session: InterviewSession) -> Mode:
    """How the session's stage runs (`sessions.modes`)."""
    stage = await templates.get_stage(db, session.workspace_id, session.evaluation_stage_id)
    return mode_of(stage.stage_type)


async def open_live_session(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    reader: Reader | None,
    *,
    channel: str,
) -> InterviewSession:
    """A session of the workspace that can still be held live on another `channel` (the
    phone, an embedded page): 404 for another workspace's, 409 `session_immutable` once it
    ended, 409 `wrong_mode` when its stage is not a live interview."""
    session = await get_visible(db, workspace_id, session_id, reader)
    if Status(session.status) not in OPEN:
        raise Conflict(
            f"the session is {session.status}: it can no longer be held {channel}",
            code="session_immutable",
            session_status=session.status,
        )
    mode = await stage_mode(db, session)
    if mode != "live":
        raise Conflict(
            f"this session's stage runs as {mode}: only a live interview can be held {channel}",
            code="wrong_mode",
            mode=mode,
        )
    return session


async def join(
    db: AsyncSession, token: str, links: SessionLinks, now: datetime, *, mode: Mode = "live"
) -> InterviewSession:
    """The candidate opens the join link: start the interview, or resume one in progress.
    `mode`: what the caller runs (the live room, the one-way assessment page); a session of
    a stage run another way is 409 `wrong_mode`."""
    session = await repository.get_by_token_digest(db, crypto.digest(token), for_update=True)
    if session is None:
        raise NotFound("interview")
    actual = await stage_mode(db, session)
    if actual != mode:
        raise Conflict(
            f"this session is not a {mode} interview (its stage runs as {actual})",
            code="wrong_mode",
            mode=actual,
        )
    events_to_write = _transition(session, Trigger.JOIN)
    if session.started_at is None:
        session.started_at = now
    await _save(db, session, events_to_write, links, now)
    return session


async def lock_by_token(db: AsyncSession, token: str) -> InterviewSession:
    """The session of a join token, its row locked (NotFound("interview") for none)."""
    session = await repository.get_by_token_digest(db, crypto.digest(token), for_update=True)
    if session is None:
        raise NotFound("interview")
    return session


async def assessment_settings(db: AsyncSession, session: InterviewSession) -> AssessmentSettings:
    """The one-way assessment settings of the session's stage, defaults filled in."""
    stage = await templates.get_stage(db, session.workspace_id, session.evaluation_stage_id)
    return assessment_settings_of(stage)


async def transcript_shared(db: AsyncSession, session: InterviewSession) -> bool:
    """Whether recruiters may read the transcript: always, except a practice session whose
    stage does not share it (the candidate's own rehearsal)."""
    stage = await templates.get_stage(db, session.workspace_id, session.evaluation_stage_id)
    if stage.stage_type != "practice_session":
        return True
    return practice_settings_of(stage).share_transcript


async def require_transcript_shared(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID
) -> None:
    """403 `transcript_private` for a practice session that keeps its transcript private."""
    if not await transcript_shared(db, await get(db, workspace_id, session_id)):
        raise Forbidden(
            "this practice session's transcript is the candidate's; the stage does not share it",
            code="transcript_private",
        )


async def session_for_token(db: AsyncSession, token: str) -> InterviewSession:
    session = await repository.get_by_token_digest(db, crypto.digest(token))
    if session is None:
        raise NotFound("interview")
    return session


async def complete(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    links: SessionLinks,
    now: datetime,
    *,
    holder: str | None = None,
) -> InterviewSession:
    """The AI said its closing line (`holder`: the live connection it was said on, which must
    still hold the interview)."""
    session = await _locked(db, workspace_id, session_id)
    ensure_holder(session, holder)
    events_to_write = _transition(session, Trigger.COMPLETE)
    session.ended_at = now
    session.end_reason = EndReason.COMPLETED.value
    session.duration_seconds = elapsed_seconds(session.started_at, now)
    session.authenticity_signals = await signals.summarize(db, session.id)
    await _save(db, session, events_to_write, links, now)
    # the scorecard follows as a job committed with the completion (SPEC §5)
    await enqueue(db, SCORE_JOB, {"session_id": str(session.id)}, dedupe_key=f"score:{session.id}")
    return session


SCORE_JOB = "scoring.score_session"


async def lock_participant(db: AsyncSession, participant_id: uuid.UUID) -> None:
    """Take the participant's lock before anything that may schedule a session for them, so
    every such path locks participant → application in the same order (no deadlock)."""
    await repository.lock_participant(db, participant_id)


async def get_any(db: AsyncSession, session_id: uuid.UUID) -> InterviewSession | None:
    """For jobs, which carry ids without a workspace."""
    return await repository.get_by_id(db, session_id)


@dataclass(frozen=True)
class ScorecardFields:
    """What the scorer writes on a completed session, once (a practice session: no score,
    pass or recommendation)."""

    score: Decimal | None
    passed: bool | None
    recommendation: str | None
    ai_feedback: str
    evaluation_breakdown: list[dict[str, Any]]
    needs_human_review: bool
    review_reasons: list[str]
    scorer: str
    scorer_model: str
    rubric_version: str
    manipulation_attempts: int
    ai_scorecard: dict[str, Any] | None = None  # the whole scorecard, kept as the AI wrote it


async def record_scorecard(
    db: AsyncSession,
    session_id: uuid.UUID,
    card: ScorecardFields,
    links: SessionLinks,
    now: datetime,
) -> InterviewSession | None:
    """Write the scorecard and `session.scored`, once: None when the session is already
    scored or is not a completed interview (a repeated job is then a no-op)."""
    session = await repository.get_by_id(db, session_id, for_update=True)
    if session is None or session.scored_at is not None or session.status != Status.COMPLETED.value:
        return None
    events_to_write = _transition(session, Trigger.SCORE)
    session.score = card.score
    session.passed = card.passed
    session.recommendation = card.recommendation
    session.ai_feedback = card.ai_feedback
    session.evaluation_breakdown = card.evaluation_breakdown
    session.needs_human_review = card.needs_human_review
    session.review_reasons = card.review_reasons
    session.scorer = card.scorer
    session.scorer_model = card.scorer_model
    session.rubric_version = card.rubric_version
    session.ai_scorecard = card.ai_scorecard
    session.scored_at = now
    summary = dict(session.authenticity_signals or {})
    summary["evaluator_manipulation_attempts"] = max(
        int(summary.get("evaluator_manipulation_attempts") or 0), card.manipulation_attempts
    )
    session.authenticity_signals = summary
    await _save(db, session, events_to_write, links, now)
    return session


@dataclass(frozen=True)
class ReviewerVerdict:
    """A person's verdict closing a reviewer stage's session (`manual_review`, `final_review`):
    written as the session's scorecard, once."""

    score: Decimal | None
    passed: bool | None
    recommendation: str
    feedback: str
    evaluation_breakdown: list[dict[str, Any]]
    scorer: str  # "reviewer" | "final_review"
    reviewer_label: str
    rubric_version: str | None = None


async def open_for_review(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    links: SessionLinks,
    now: datetime,
) -> InterviewSession:
    """A reviewer opens a reviewer stage's session: `scheduled → in_progress`
    (`session.started`); again while in progress, nothing changes."""
    session = await _locked(db, workspace_id, session_id)
    events_to_write = _transition(session, Trigger.JOIN)
    if session.started_at is None:
        session.started_at = now
    await _save(db, session, events_to_write, links, now)
    return session


async def close_with_verdict(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    verdict: ReviewerVerdict,
    links: SessionLinks,
    now: datetime,
) -> InterviewSession:
    """A reviewer's verdict completes the session and is its scorecard: the transitions it
    still needs (start, complete, score) and their events, in this one transaction. A
    session that is no longer open is 409, as for any session."""
    session = await _locked(db, workspace_id, session_id)
    written: list[str] = []
    if session.status == Status.SCHEDULED.value:
        written += _transition(session, Trigger.JOIN)
        session.started_at = now
    written += _transition(session, Trigger.COMPLETE)
    written += _transition(session, Trigger.SCORE)
    session.ended_at = now
    session.end_reason = EndReason.COMPLETED.value
    session.duration_seconds = elapsed_seconds(session.started_at, now)
    session.score = verdict.score
    session.passed = verdict.passed
    session.recommendation = verdict.recommendation
    session.ai_feedback = verdict.feedback
    session.evaluation_breakdown = verdict.evaluation_breakdown
    session.needs_human_review = False
    session.review_reasons = []
    session.scorer = verdict.scorer
    session.scorer_model = verdict.reviewer_label[:200]
    session.rubric_version = verdict.rubric_version
    session.scored_at = now
    await _save(db, session, tuple(written), links, now)
    return session


async def get_visible(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID, reader: Reader | None
) -> InterviewSession:
    """A session `reader` may see: 404 for another workspace's, and the same 404 for one of
    a template private to someone else."""
    session = await get(db, workspace_id, session_id)
    await templates.ensure_visible(
        db, workspace_id, session.evaluation_template_id, reader, NotFound("session")
    )
    return session


async def lock_scored(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID
) -> InterviewSession:
    """The session locked for a change of its scorecard (404 for another workspace's, 409
    `not_scored` while it has none)."""
    session = await _locked(db, workspace_id, session_id)
    if session.scored_at is None:
        raise Conflict(
            "the session has no scorecard yet", code="not_scored", session_status=session.status
        )
    return session


@dataclass(frozen=True)
class ReviewedScorecard:
    """A reviewer's verdict on a scorecard, as code recomputed it."""

    score: Decimal
    passed: bool
    recommendation: str
    evaluation_breakdown: list[dict[str, Any]]
    review_status: str  # "confirmed" | "adjusted"
    ai_scorecard: dict[str, Any]


async def write_review(
    db: AsyncSession, session: InterviewSession, card: ReviewedScorecard, now: datetime
) -> None:
    """Write a reviewed scorecard on a session locked by `lock_scored`: it needs no further
    review and its version moves on."""
    session.score = card.score
    session.passed = card.passed
    session.recommendation = card.recommendation
    session.evaluation_breakdown = card.evaluation_breakdown
    session.needs_human_review = False
    session.review_status = card.review_status
    session.ai_scorecard = card.ai_scorecard
    session.scorecard_version = (session.scorecard_version or 0) + 1
    session.updated_at = now
    await db.flush()


async def fail(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    reason: EndReason,
    links: SessionLinks,
    now: datetime,
    *,
    holder: str | None = None,
) -> InterviewSession:
    """Hang-up, disconnect past the grace window or technical failure; transcript kept.
    `holder`: the live connection asking, which must still hold the interview."""
    if reason in (EndReason.COMPLETED, EndReason.CANCELLED):
        raise ValueError(f"{reason} is not a failure reason")
    session = await _locked(db, workspace_id, session_id)
    ensure_holder(session, holder)
    events_to_write = _transition(session, Trigger.FAIL)
    session.ended_at = now
    session.end_reason = reason.value
    session.duration_seconds = elapsed_seconds(session.started_at, now)
    session.authenticity_signals = await signals.summarize(db, session.id)
    await _save(db, session, events_to_write, links, now)
    return session


async def fail_unreachable(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    links: SessionLinks,
    now: datetime,
) -> InterviewSession:
    """A scheduled phone interview whose calls all went unanswered (docs/phone.md)."""
    session = await _locked(db, workspace_id, session_id)
    events_to_write = _transition(session, Trigger.UNREACHABLE)
    session.ended_at = now
    session.end_reason = EndReason.UNREACHABLE.value
    await _save(db, session, events_to_write, links, now)
    return session


async def _locked(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    reader: Reader | None = None,
) -> InterviewSession:
    session = await repository.get(db, workspace_id, session_id, for_update=True)
    if session is None:
        raise NotFound("session")
    await templates.ensure_visible(
        db, workspace_id, session.evaluation_template_id, reader, NotFound("session")
    )
    return session


def _transition(session: InterviewSession, trigger: Trigger) -> tuple[str, ...]:
    try:
        transition = apply(Status(session.status), trigger, scored=session.scored_at is not None)
    except InvalidTransition as exc:
        raise Conflict(exc.message, code=exc.code, session_status=exc.status.value) from None
    session.status = transition.status.value
    return transition.events


async def _save(
    db: AsyncSession,
    session: InterviewSession,
    event_types: tuple[str, ...],
    links: SessionLinks,
    now: datetime,
) -> None:
    session.updated_at = now
    await db.flush()
    for event_type in event_types:
        await _record(db, session, event_type, links, now)
    # Wake the live transcript streams (delivered at commit): they end at once when the
    # session does, instead of at their next keep-alive.
    await pubsub.notify(db, transcript.CHANNEL, str(session.id))


async def _record(
    db: AsyncSession, session: InterviewSession, event_type: str, links: SessionLinks, now: datetime
) -> None:
    await events.record(
        db,
        session.workspace_id,
        event_type,
        {"session": links.public(session)},
        now,
        session_id=session.id,
        participant_id=session.candidate_id,
        application_id=session.application_id,
    )


async def session_events(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
    reader: Reader | None = None,
) -> Page[dict[str, Any]]:
    hidden = await templates.hidden_from(db, workspace_id, reader)
    session = await get(db, workspace_id, session_id)
    if session.evaluation_template_id in hidden:  # the list's rule, for the session itself
        raise NotFound("session")
    return await events.list_events(
        db,
        workspace_id,
        limit=limit,
        cursor=cursor,
        session_id=session_id,
        hidden_template_ids=hidden,
    )


async def erase_participant_data(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    """For a deletion request: the participant's sessions keep status, times and scores, but
    lose recruiter notes and the external id."""
    await repository.erase_participant_fields(db, workspace_id, participant_id)


async def take_recording_keys(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> list[str]:
    """For a deletion request: unlink the participant's recordings from their sessions and
    return the storage keys, for the caller to delete the audio."""
    return await repository.take_recording_keys(db, workspace_id, participant_id)


async def attach_recording(db: AsyncSession, session_id: uuid.UUID, key: str) -> None:
    """Link stored audio to a session (idempotent)."""
    await repository.set_recording_key(db, session_id, key)


async def recording_key(db: AsyncSession, session_id: uuid.UUID) -> str | None:
    session = await repository.get_by_id(db, session_id)
    return None if session is None else session.recording_key


# --- the live room ------------------------------------------------------------------------


@dataclass(frozen=True)
class InterviewSetup:
    """What the interviewer needs to plan a session: the API objects as plain dicts."""

    profile: dict[str, Any]
    template: dict[str, Any]
    stage: dict[str, Any]
    candidate_name: str | None


async def interview_setup(db: AsyncSession, session: InterviewSession) -> InterviewSetup:
    template = await templates.get_template(
        db, session.workspace_id, session.evaluation_template_id
    )
    stage = await templates.get_stage(db, session.workspace_id, session.evaluation_stage_id)
    profile: dict[str, Any] = {}
    if stage.agent_profile_id is not None:
        try:
            found = await agent_profiles.get(db, session.workspace_id, stage.agent_profile_id)
        except NotFound:
            found = None
        if found is not None:
            profile = profile_public(found)
    participant = await participants.get(db, session.workspace_id, session.candidate_id)
    return InterviewSetup(
        profile=profile,
        template=template_public(template),
        stage=stage_public(stage),
        candidate_name=participant.name,
    )


async def claim_connection(
    db: AsyncSession, session_id: uuid.UUID, connection_id: str, now: datetime
) -> str | None:
    """A candidate connection takes the interview over; returns the one it replaced, which
    every process hears of at commit (`TAKEOVER_TOPIC`) and which may no longer write."""
    session = await repository.get_by_id(db, session_id, for_update=True)
    if session is None:
        raise NotFound("interview")
    previous = session.live_connection_id
    session.live_connection_id = connection_id
    session.live_seen_at = now
    await db.flush()
    await repository.touch_liveness(db, session_id, connection_id, now)
    if previous is None or previous == connection_id:
        return None
    await pubsub.notify(db, transcript.CHANNEL, takeover_topic(session_id))
    return previous


TAKEOVER_TOPIC = "takeover:"


def takeover_topic(session_id: uuid.UUID) -> str:
    """The notification (on the transcript channel) that a live room changed hands."""
    return f"{TAKEOVER_TOPIC}{session_id}"


async def live_holder(db: AsyncSession, session_id: uuid.UUID) -> str | None:
    """The connection holding the live room now (read without waiting on any lock)."""
    return await repository.live_holder(db, session_id)


async def touch_connection(
    db: AsyncSession, session_id: uuid.UUID, connection_id: str, now: datetime
) -> bool:
    """The connection is alive; False when another connection has taken the interview over.
    Takes no lock on the session row, so a heartbeat never waits behind the room's writes
    (one statement on the session's connection: the check and the write)."""
    connection = await raw_connection(db)
    return await live_repository.touch_if_holder(connection, session_id, connection_id, now)


async def expire_if_gone(
    db: AsyncSession,
    session_id: uuid.UUID,
    connection_id: str,
    grace_seconds: float,
    links: SessionLinks,
    now: datetime,
) -> float | None:
    """The grace check of one connection: fails the interview (`disconnected`) when that
    connection still holds it and was last heard from `grace_seconds` ago or more. Returns
    the seconds until the next check, or None when there is nothing more to watch."""
    session = await repository.get_by_id(db, session_id, for_update=True)
    if (
        session is None
        or session.status != Status.IN_PROGRESS.value
        or session.live_connection_id != connection_id
    ):
        return None
    beats = await repository.liveness_seen(db, session_id, connection_id)
    seen = max((t for t in (session.live_seen_at, beats) if t is not None), default=now)
    left = grace_seconds - (now - seen).total_seconds()
    if left > 0:
        return left
    await fail(db, session.workspace_id, session.id, EndReason.DISCONNECTED, links, now)
    return None


GRACE_CHECK_JOB = "sessions.grace_check"


async def schedule_grace_check(
    db: AsyncSession, session_id: uuid.UUID, connection_id: str, delay_seconds: float
) -> None:
    await enqueue(
        db,
        GRACE_CHECK_JOB,
        {"session_id": str(session_id), "connection_id": connection_id},
        delay=timedelta(seconds=max(0.0, delay_seconds) + 0.05),
    )
