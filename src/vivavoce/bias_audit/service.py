"""Recording candidates' voluntary answers, erasing them, and the bias-audit report.

The answers are written from the candidate's own pages (apply and join) and read only by
`report`, as counts per group; no function here returns one person's answers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.bias_audit import repository
from vivavoce.bias_audit.model import SelfIdentification
from vivavoce.bias_audit.questions import Answers
from vivavoce.bias_audit.report import Outcome, audit
from vivavoce.config import Settings
from vivavoce.kit.errors import Issue, Unprocessable
from vivavoce.kit.ids import uuid7
from vivavoce.models import EvaluationStage
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader

APPLY_PAGE = "apply_page"
JOIN_PAGE = "join_page"


async def stage_for_request(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    request_id: uuid.UUID,
    answers: Answers,
    now: datetime,
) -> None:
    """Keep the apply form's answers with its request until the email code settles it
    (`settle_request`). Nothing is kept when every question was declined."""
    if answers.empty:
        return
    row = _row(workspace_id, answers, APPLY_PAGE, now)
    row.apply_request_id = request_id
    await repository.stage_for_request(db, row)


async def settle_request(db: AsyncSession, request_id: uuid.UUID) -> None:
    """After an apply request changed: its answers move to the participant it created, or
    are dropped when it ended without one. A request still waiting keeps them."""
    await repository.settle_request(db, request_id)


async def record_for_participant(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    participant_id: uuid.UUID,
    answers: Answers,
    source: str,
    now: datetime,
) -> None:
    """Replace a participant's answers; declining every question withdraws them."""
    if answers.empty:
        await repository.delete_for_participant(db, workspace_id, participant_id)
        return
    row = _row(workspace_id, answers, source, now)
    row.participant_id = participant_id
    await repository.upsert_for_participant(db, row)


def _row(
    workspace_id: uuid.UUID, answers: Answers, source: str, now: datetime
) -> SelfIdentification:
    """A new row of `answers`, for the caller to attach to a request or a participant."""
    return SelfIdentification(
        id=uuid7(),
        workspace_id=workspace_id,
        sex=answers.sex,
        race_ethnicity=answers.race_ethnicity,
        source=source,
        answered_at=now,
    )


async def erase_for_participant(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> int:
    """Delete a person's answers (a purge). The ones still waiting for an email code go
    with their apply request."""
    return await repository.delete_for_participant(db, workspace_id, participant_id)


def min_group_size(settings: Settings, wanted: int | None) -> int:
    """The smallest group the report shows: the configured floor, or more if asked."""
    floor = settings.bias_audit_min_group_size
    if wanted is None:
        return floor
    if wanted < floor:
        raise Unprocessable(
            f"groups smaller than {floor} are never shown",
            [Issue(["query", "min_group_size"], f"at least {floor}")],
            code="group_size_too_small",
        )
    return wanted


def _pipeline_stages(stages: list[EvaluationStage]) -> list[EvaluationStage]:
    return [s for s in stages if s.stage_type not in ("practice_session", "final_review")]


def period_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """[start, end] as whole UTC days: from the start of `start` to the end of `end`."""
    if start is not None and end is not None and end < start:
        raise Unprocessable(
            "the period ends before it starts",
            [Issue(["query", "to"], "on or after `from`")],
            code="invalid_period",
        )
    low = datetime.combine(start, time(), UTC) if start else None
    high = datetime.combine(end + timedelta(days=1), time(), UTC) if end else None
    return low, high


async def report(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    reader: Reader | None,
    *,
    stage: str | None,
    start: date | None,
    end: date | None,
    minimum: int,
) -> dict[str, Any]:
    """The audit of one stage of a template (the first scored stage unless named) over a
    period of scoring dates."""
    low, high = period_bounds(start, end)
    template = await templates.get_template(db, workspace_id, template_id, reader)
    stages = await templates.list_stages(db, workspace_id, template.id)
    chosen = templates.stage_labelled(_pipeline_stages(stages), stage, "scored stage")
    rows = [] if chosen is None else await repository.outcomes(db, workspace_id, chosen, low, high)
    outcomes = [
        Outcome(
            Answers(r.sex, r.race_ethnicity),
            None if r.score is None else float(r.score),
            r.passed,
            r.advanced,
        )
        for r in rows
    ]
    return {
        "evaluation_template_id": str(template.id),
        "template_name": template.template_name,
        "stages": [{"type": s.type, "name": s.stage_name} for s in _pipeline_stages(stages)],
        "stage": None if chosen is None else chosen.type,
        "period": {
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
        },
        **audit(outcomes, minimum),
    }
