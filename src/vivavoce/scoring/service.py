"""Scoring sessions and previewing rubrics.

A completed session is scored by a job in three steps, so that no database transaction is
held while a scorer works: `prepare` reads the session, its rubric and turns (one short
transaction); `evaluate` runs the configured scorer (the offline one in a worker thread, or the
LLM judge over the network) and assembles the scorecard; `record` writes it with
`session.scored` and applies the stage's automation rule (one transaction). The write happens
once: a second run finds `scored_at` set and does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.agent_profiles import service as agent_profiles
from vivavoce.agent_profiles.schemas import profile_public
from vivavoce.applications import progression
from vivavoce.coding import service as coding_service
from vivavoce.coding.evidence import CodingEvidence
from vivavoce.config import Settings
from vivavoce.interviewer.providers.endpoint import EndpointConfig
from vivavoce.interviewer.providers.openai_compatible import make_client
from vivavoce.kit.errors import Issue, NotFound, Unprocessable
from vivavoce.kit.jobs import enqueue
from vivavoce.scoring import offline
from vivavoce.scoring.coding import with_coding
from vivavoce.scoring.llm import JudgeFailed, LLMScorer, ProviderRefused
from vivavoce.scoring.rubric import Rubric, rubric_from
from vivavoce.scoring.schemas import PreviewRequest
from vivavoce.scoring.scorecard import Scorecard, ScorerOutput, assemble
from vivavoce.scoring.transcript import Transcript, from_stored
from vivavoce.sessions import service as sessions
from vivavoce.sessions import signals
from vivavoce.sessions import transcript as turns
from vivavoce.sessions.state import Status
from vivavoce.templates import service as templates
from vivavoce.templates.schemas import stage_public, template_public

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoringJob:
    session_id: uuid.UUID
    rubric: Rubric
    transcript: Transcript
    language: str
    ended_at: datetime | None
    practice: bool = False  # a practice_session: feedback for the candidate, no verdict
    coding: CodingEvidence | None = None  # the coding round's runs and answers, if any


async def prepare(db: AsyncSession, session_id: uuid.UUID) -> ScoringJob | None:
    """What scoring a session needs, or None when there is nothing to score (not completed,
    or scored already)."""
    session = await sessions.get_any(db, session_id)
    if session is None or session.status != Status.COMPLETED.value or session.scored_at:
        return None
    setup = await sessions.interview_setup(db, session)
    rubric = rubric_from(setup.profile or None, setup.template, setup.stage)
    rows = await turns.stored_turns(db, session.id)
    stored = [
        {"index": r.index, "speaker": r.speaker, "text": r.text, "meta": r.meta, "words": r.words}
        for r in rows
    ]
    pasted = await signals.pasted_by_turn(db, session.id)
    transcript = from_stored(stored, pasted)
    practice = setup.stage.get("stage_type") == "practice_session"
    coding = await coding_service.scoring_evidence(db, session, rows)
    return ScoringJob(
        session.id, rubric, transcript, session.language, session.ended_at, practice, coding
    )


_llm_scorers: dict[tuple[object, ...], LLMScorer] = {}


def llm_scorer(settings: Settings) -> LLMScorer:
    """One LLM judge (and HTTP client) per provider configuration, per process."""
    if not settings.llm_base_url:
        raise RuntimeError("the LLM scorer needs VIVAVOCE_LLM_BASE_URL")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    config = (
        settings.llm_base_url,
        settings.llm_model,
        key,
        settings.llm_timeout_seconds,
        settings.llm_max_retries,
        settings.scoring_llm_samples,
        settings.scoring_max_spread,
        EndpointConfig.from_settings(settings),
    )
    if config not in _llm_scorers:
        client = make_client(
            settings.llm_base_url,
            key,
            timeout=settings.llm_timeout_seconds,
            max_retries=settings.llm_max_retries,
        )
        _llm_scorers[config] = LLMScorer(
            client,
            settings.llm_model,
            samples=settings.scoring_llm_samples,
            max_spread=settings.scoring_max_spread,
            config=EndpointConfig.from_settings(settings),
        )
    return _llm_scorers[config]


async def evaluate(
    rubric: Rubric,
    transcript: Transcript,
    settings: Settings,
    *,
    language: str = "en",
    scorer: str | None = None,
) -> Scorecard:
    """Score a transcript with `scorer` (default: the configured one). The LLM judge raises
    `ProviderUnavailable` while its provider is unreachable (the job retries); a provider that
    refuses the request, or replies that stay unusable, fall back to the offline scorer at
    once and flag the scorecard for review, saying which it was."""
    chosen = scorer or settings.scoring_scorer
    if chosen == "llm" and not settings.llm_base_url:
        log.error("VIVAVOCE_SCORING_SCORER=llm without VIVAVOCE_LLM_BASE_URL; scoring offline")
        output = await _offline(rubric, transcript, language)
        reason = "the LLM judge is not configured (no VIVAVOCE_LLM_BASE_URL); scored offline"
        return assemble(rubric, transcript, _with_reason(output, reason))
    if chosen == "llm":
        try:
            output = await llm_scorer(settings).score(rubric, transcript)
            return assemble(rubric, transcript, output)
        except ProviderRefused as error:
            log.warning("LLM judge refused the request (%s); scoring offline instead", error)
            detail = str(error).removeprefix("the LLM provider refused the request, ")
            reason = f"the LLM judge was reachable but refused the request ({detail}); the "
            reason += "offline scorer scored it"
        except JudgeFailed as error:
            log.warning("LLM judge failed (%s); scoring offline instead", error)
            reason = "the LLM judge gave no usable scorecard (unusable output); the offline "
            reason += "scorer scored it"
        fallback = await _offline(rubric, transcript, language)
        return assemble(rubric, transcript, _with_reason(fallback, reason))
    return assemble(rubric, transcript, await _offline(rubric, transcript, language))


def llm_patience_exhausted(job: ScoringJob, settings: Settings, now: datetime) -> bool:
    """Whether the interview ended so long ago that scoring stops waiting for the LLM judge."""
    ended = job.ended_at or now
    return (now - ended).total_seconds() >= settings.scoring_llm_patience_seconds


async def evaluate_offline_after_outage(job: ScoringJob) -> Scorecard:
    """The offline scorer's scorecard for a session the LLM judge could not score in time,
    flagged for review so a person looks at it."""
    output = await _offline(job.rubric, job.transcript, job.language)
    reason = "the LLM judge stayed unreachable; the offline scorer scored it"
    return assemble(job.rubric, job.transcript, _with_reason(output, reason))


def retry_delay(attempt: int, settings: Settings) -> timedelta:
    """Exponential backoff with jitter, capped at 30 minutes."""
    base = min(settings.scoring_retry_base_seconds * 2 ** (attempt - 1), 1800.0)
    return timedelta(seconds=base * random.uniform(0.8, 1.0))  # noqa: S311 - jitter, not a secret


async def score_again_later(
    db: AsyncSession, session_id: uuid.UUID, attempt: int, delay: timedelta
) -> None:
    """Queue another scoring attempt (its own job, so a long outage outlives the queue's own
    retry budget); scoring stays idempotent, so an extra run is harmless."""
    await enqueue(
        db,
        sessions.SCORE_JOB,
        {"session_id": str(session_id), "attempt": attempt},
        delay=delay,
        dedupe_key=f"score:{session_id}:retry:{attempt}",
    )


def _with_reason(output: ScorerOutput, reason: str) -> ScorerOutput:
    return replace(output, review_reasons=(*output.review_reasons, reason))


async def _offline(rubric: Rubric, transcript: Transcript, language: str) -> ScorerOutput:
    scorer = offline.shared()
    return await asyncio.to_thread(scorer.score, rubric, transcript, language)


async def record(
    db: AsyncSession,
    job: ScoringJob,
    card: Scorecard,
    links: sessions.SessionLinks,
    now: datetime,
) -> bool:
    """Write the scorecard and `session.scored`, then move the candidate on; False when the
    session was scored meanwhile (nothing written). A practice session keeps only the
    dimensions' scores and feedback, for the candidate: no overall score, pass, fail or
    recommendation, no review flag, and no progression."""
    card = with_coding(card, job.rubric, job.coding)
    breakdown = [d.public() for d in card.breakdown]
    if job.practice:
        breakdown = [{**d, "passed": None} for d in breakdown]
    session = await sessions.record_scorecard(
        db,
        job.session_id,
        sessions.ScorecardFields(
            score=None if job.practice else card.score,
            passed=None if job.practice else card.passed,
            recommendation=None if job.practice else card.recommendation,
            ai_feedback=card.ai_feedback,
            evaluation_breakdown=breakdown,
            needs_human_review=card.needs_human_review and not job.practice,
            review_reasons=list(card.review_reasons),
            scorer=card.scorer,
            scorer_model=card.model,
            rubric_version=card.rubric_version,
            manipulation_attempts=card.manipulation_attempts,
            ai_scorecard={**card.public(), "vocabulary": list(job.rubric.vocabulary)},
        ),
        links,
        now,
    )
    if session is None:
        return False
    if not job.practice:
        await progression.after_scored(db, session, links, now)
    return True


# --- calibration ---------------------------------------------------------------------------


async def preview_rubric(db: AsyncSession, workspace_id: uuid.UUID, body: PreviewRequest) -> Rubric:
    """The rubric a preview names: inline, an agent profile's, or a stage's."""
    if body.rubric is not None:
        return body.rubric.to_rubric()
    template: dict[str, Any] = {}
    stage: dict[str, Any] | None = None
    profile_id = body.agent_profile_id
    if body.evaluation_stage_id is not None:
        stage_row = await templates.get_stage(db, workspace_id, body.evaluation_stage_id)
        template = template_public(
            await templates.get_template(db, workspace_id, stage_row.evaluation_template_id)
        )
        stage = stage_public(stage_row)
        profile_id = stage_row.agent_profile_id
    profile: dict[str, Any] | None = None
    if profile_id is not None:
        try:
            profile = profile_public(await agent_profiles.get(db, workspace_id, profile_id))
        except NotFound:
            if body.agent_profile_id is not None:
                raise
    if body.agent_profile_id is not None and not (profile or {}).get("evaluationDimensions"):
        raise Unprocessable(
            "the agent profile has no evaluation dimensions",
            [Issue(["body", "agent_profile_id"], "no evaluationDimensions")],
        )
    if body.success_outcome:
        template["success_outcome"] = body.success_outcome
    if body.pass_threshold is not None:
        stage = {**(stage or {}), "pass_threshold": body.pass_threshold}
    return rubric_from(profile, template, stage)


async def preview(
    db: AsyncSession, workspace_id: uuid.UUID, body: PreviewRequest, settings: Settings
) -> dict[str, Any]:
    """A scorecard for a sample transcript, stored nowhere. The API preview uses the offline
    scorer (no network call inside the request's transaction); `vivavoce score --scorer llm`
    calibrates against the LLM judge."""
    rubric = await preview_rubric(db, workspace_id, body)
    card = await evaluate(
        rubric, body.transcript.to_transcript(), settings, language=body.language, scorer="offline"
    )
    return card.public()
