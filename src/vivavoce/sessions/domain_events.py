"""What a change of a session means to other domains (`kit.bus`): published by
`sessions.service` (and `sessions.scheduling`) in the change's transaction, handled by the
domains that react — applications (the outcome rollup), emails (invites, updates,
cancellations). Sessions imports none of them; a new consumer subscribes in its own
`handlers.py` and is listed in `runtime.domain_handlers`.

The events carry the rows the change already loaded, so a handler on the hot path does not
read them again; a handler must not change them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vivavoce.models import (
    Application,
    EvaluationStage,
    EvaluationTemplate,
    InterviewSession,
    Participant,
)


@dataclass(frozen=True)
class SessionScheduled:
    """A new session (`session.created` is written): the application's stages changed, the
    candidate may need an invite."""

    session: InterviewSession
    application: Application
    participant: Participant
    template: EvaluationTemplate
    stage: EvaluationStage
    join_url: str
    now: datetime


@dataclass(frozen=True)
class SessionRescheduled:
    """A scheduled session moved to another time (or to none)."""

    session: InterviewSession
    previous_scheduled_at: datetime | None
    join_url: str
    now: datetime


@dataclass(frozen=True)
class SessionCancelled:
    """A scheduled session was cancelled (`session.cancelled` is written)."""

    session: InterviewSession
    now: datetime
