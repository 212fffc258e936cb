"""Session bodies and the public session object of SPEC §1."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator

from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.errors import Issue, Unprocessable
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import InterviewSession
from vivavoce.sessions.state import Status

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def _check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > 64 or ".." in value or value.startswith("/"):
        raise ValueError(f"unknown timezone {value!r}; use an IANA name such as Europe/Berlin")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {value!r}; use an IANA name such as Europe/Berlin"
        ) from None
    return value


def _check_language(value: str | None) -> str | None:
    if value is not None and not _LANGUAGE.match(value):
        raise ValueError("must be a BCP-47 language tag such as en or pt-BR")
    return value


class SessionCreate(StrictModel):
    candidate_id: uuid.UUID
    evaluation_template_id: uuid.UUID
    stage: Annotated[str, Field(min_length=1, max_length=64)]
    interview_id: uuid.UUID | None = Field(default=None, description="The evaluation stage id")
    idempotency_key: Annotated[str | None, Field(min_length=1, max_length=255)] = None
    scheduled_at: datetime | None = Field(
        default=None,
        description="With an offset, an instant; without one, a wall time in `timezone`",
    )
    timezone: Annotated[str, Field(max_length=64)] = "UTC"
    language: Annotated[str | None, Field(max_length=35)] = None
    notes: Annotated[str | None, Field(max_length=1000)] = None
    force: bool = False
    accountSlug: str | None = Field(default=None, max_length=63)

    _tz = field_validator("timezone")(_check_timezone)
    _lang = field_validator("language")(_check_language)


class SessionUpdate(StrictModel):
    scheduled_at: datetime | None = Field(
        default=None,
        description="With an offset, an instant; without one, a wall time in `timezone` "
        "(or the session's timezone)",
    )
    timezone: Annotated[str | None, Field(max_length=64)] = None
    notes: Annotated[str | None, Field(max_length=1000)] = None
    accountSlug: str | None = Field(default=None, max_length=63)

    _tz = field_validator("timezone")(_check_timezone)


# Clock skew between an ATS and this server: "now" sent a moment ago is not in the past.
PAST_TOLERANCE = timedelta(minutes=5)


def resolve_scheduled_at(value: datetime | None, zone: str, now: datetime) -> datetime | None:
    """The instant a `scheduled_at` names: an offset wins; a time without one is a wall time
    in `zone` (Intervyo: "timezone, default UTC"). A time that does not exist there (a DST
    gap) or lies in the past is a 422."""
    if value is None:
        return None
    if value.tzinfo is None:
        tz = ZoneInfo(zone)
        instant = value.replace(tzinfo=tz)
        if instant.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value:
            raise Unprocessable(
                f"{value.isoformat()} does not exist in {zone} (clocks skip it)",
                [Issue(["body", "scheduled_at"], f"not a wall time in {zone}")],
            )
        value = instant
    if value < now - PAST_TOLERANCE:
        raise Unprocessable(
            "scheduled_at is in the past",
            [
                Issue(
                    ["body", "scheduled_at"],
                    f"{isoformat_z(value)} is before now ({isoformat_z(now)}); send a future time",
                )
            ],
        )
    return value.astimezone(UTC)


class Citation(BaseModel):
    turn: int
    quote: str


class DimensionScore(BaseModel):
    dimension_id: str
    name: str
    weight: float
    score: float | None
    pass_threshold: float | None
    passed: bool | None
    feedback: str | None
    citations: list[Citation]
    confidence: Literal["high", "medium", "low"] | None = Field(
        default=None,
        description="How much evidence stands behind the score: from how many substantive "
        "answers informed it, how relevant and how consistent they were (null on scorecards "
        "written before confidence existed)",
    )
    scorer_score: float | None = Field(
        default=None, description="The scorer's score before thin evidence held it down"
    )
    evidence_turns: list[int] = Field(
        default_factory=list, description="The candidate turns that counted as evidence"
    )


class ScoringInfo(BaseModel):
    scorer: str | None
    model: str | None
    rubric_version: str | None
    review_reasons: list[str]


class ReviewInfo(BaseModel):
    status: Literal["not_needed", "pending", "confirmed", "adjusted"] = Field(
        description="`pending`: the scorecard needs a human review; `confirmed`/`adjusted`: "
        "the latest reviewer's action"
    )
    version: int = Field(description="Send it back with a review; it moves on with each one")


class SessionOut(BaseModel):
    id: str
    status: Status
    evaluation_template_id: str
    evaluation_stage_id: str
    stage: str
    candidate_id: str
    application_id: str
    external_id: str | None
    join_url: str
    scheduled_at: str | None
    timezone: str
    language: str
    notes: str | None
    score: str | None
    passed: bool | None
    recommendation: str | None
    ai_feedback: str | None
    evaluation_breakdown: list[DimensionScore] | None
    needs_human_review: bool
    scoring: ScoringInfo | None
    review: ReviewInfo | None = None
    authenticity_signals: dict[str, Any] | None
    transcript_url: str
    recording_url: str | None
    duration_seconds: int | None
    started_at: str | None
    ended_at: str | None
    scored_at: str | None
    end_reason: str | None
    created_at: str
    updated_at: str


def session_public(
    session: InterviewSession, join_url: str, base_url: str, recording_url: str | None = None
) -> dict[str, Any]:
    return {
        "id": str(session.id),
        "status": session.status,
        "evaluation_template_id": str(session.evaluation_template_id),
        "evaluation_stage_id": str(session.evaluation_stage_id),
        "stage": session.stage,
        "candidate_id": str(session.candidate_id),
        "application_id": str(session.application_id),
        "external_id": session.external_id,
        "join_url": join_url,
        "scheduled_at": isoformat_z(session.scheduled_at),
        "timezone": session.timezone,
        "language": session.language,
        "notes": session.notes,
        "score": None if session.score is None else f"{session.score:.1f}",
        "passed": session.passed,
        "recommendation": session.recommendation,
        "ai_feedback": session.ai_feedback,
        "evaluation_breakdown": session.evaluation_breakdown,
        "needs_human_review": session.needs_human_review,
        "scoring": None
        if session.scored_at is None
        else {
            "scorer": session.scorer,
            "model": session.scorer_model,
            "rubric_version": session.rubric_version,
            "review_reasons": list(session.review_reasons or []),
        },
        "review": None if session.scored_at is None else review_info(session),
        "authenticity_signals": session.authenticity_signals,
        "transcript_url": f"{base_url}/api/v1/sessions/{session.id}/transcript",
        "recording_url": recording_url,
        "duration_seconds": session.duration_seconds,
        "started_at": isoformat_z(session.started_at),
        "ended_at": isoformat_z(session.ended_at),
        "scored_at": isoformat_z(session.scored_at),
        "end_reason": session.end_reason,
        "created_at": isoformat_z(session.created_at),
        "updated_at": isoformat_z(session.updated_at),
    }


def review_info(session: InterviewSession) -> dict[str, Any]:
    status = session.review_status or ("pending" if session.needs_human_review else "not_needed")
    return {"status": status, "version": session.scorecard_version or 0}


def elapsed_seconds(start: datetime | None, end: datetime) -> int | None:
    return None if start is None else max(0, int((end - start).total_seconds()))


@dataclass(frozen=True)
class SessionFilters:
    status: str | None = None
    candidate_id: uuid.UUID | None = None
    template_id: uuid.UUID | None = None
    stage: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    external_id: str | None = None
    # Other users' private templates (`templates.service.hidden_from`): their sessions are
    # left out.
    hidden_template_ids: frozenset[uuid.UUID] = frozenset()
