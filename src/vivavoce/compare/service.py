"""Comparing a template's candidates: each one's latest scorecard of a stage, one column per
dimension, sortable by any column, with confidence and review state; and the template's
shortlist (who added a candidate and when; adding and removing are idempotent)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.compare import repository
from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.errors import Issue, Unprocessable
from vivavoce.kit.ids import uuid7
from vivavoce.models import InterviewSession, ShortlistEntry
from vivavoce.participants import service as participants
from vivavoce.sessions.schemas import review_info
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader
from vivavoce.workspaces.actors import ReviewerIdentity

# A comparison loads at most this many candidates of a stage (newest scorecards first) and
# sorts them in memory; the API and the page say when more exist.
MAX_ROWS = 500
CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}
FIXED_SORTS = ("score", "name", "confidence", "review", "scored_at")
Order = Literal["asc", "desc"]


@dataclass(frozen=True)
class Sort:
    """A column (`score`, `name`, `confidence`, `review`, `scored_at` or `dim:<dimension id>`)
    and a direction; candidates without a value in that column always come last."""

    column: str = "score"
    order: Order = "desc"


def _entry_public(entry: ShortlistEntry) -> dict[str, Any]:
    return {
        "candidate_id": str(entry.candidate_id),
        "added_by": {
            "kind": entry.added_by_kind,
            "id": str(entry.added_by_id) if entry.added_by_id else None,
            "label": entry.added_by_label,
        },
        "added_at": isoformat_z(entry.created_at),
    }


def _overall_confidence(breakdown: list[dict[str, Any]]) -> str | None:
    """The weakest dimension's confidence: a scorecard is only as sure as its thinnest part."""
    known = [d["confidence"] for d in breakdown if d.get("confidence") in CONFIDENCE_RANK]
    return min(known, key=CONFIDENCE_RANK.__getitem__) if known else None


def _row(session: InterviewSession, person: dict[str, Any]) -> dict[str, Any]:
    breakdown = list(session.evaluation_breakdown or [])
    return {
        "candidate": person,
        "session_id": str(session.id),
        "score": None if session.score is None else f"{session.score:.1f}",
        "passed": session.passed,
        "recommendation": session.recommendation,
        "confidence": _overall_confidence(breakdown),
        "review": review_info(session),
        "scored_at": isoformat_z(session.scored_at),
        "dimensions": {
            str(d["dimension_id"]): {"score": d.get("score"), "confidence": d.get("confidence")}
            for d in breakdown
        },
        "shortlisted": None,
    }


def _columns(sessions: list[InterviewSession]) -> list[dict[str, str]]:
    """Every dimension seen on the stage's scorecards, in the order the rubric lists them."""
    seen: dict[str, str] = {}
    for session in sessions:
        for item in session.evaluation_breakdown or []:
            seen.setdefault(
                str(item["dimension_id"]), str(item.get("name") or item["dimension_id"])
            )
    return [{"id": key, "name": name} for key, name in seen.items()]


def _sort_value(row: dict[str, Any], column: str) -> Any:
    if column == "name":
        return str(row["candidate"]["name"]).casefold()
    if column == "score":
        return None if row["score"] is None else float(row["score"])
    if column == "confidence":
        return CONFIDENCE_RANK.get(row["confidence"] or "")
    if column == "review":
        return row["review"]["status"]
    if column == "scored_at":
        return row["scored_at"]
    return (row["dimensions"].get(column.removeprefix("dim:")) or {}).get("score")


def sorted_rows(rows: list[dict[str, Any]], sort: Sort) -> list[dict[str, Any]]:
    """Sorted by the column; ties, and the rows without a value (always last), by name."""
    by_name = sorted(rows, key=lambda r: _sort_value(r, "name"))
    present = [r for r in by_name if _sort_value(r, sort.column) is not None]
    missing = [r for r in by_name if _sort_value(r, sort.column) is None]
    # Python's sort is stable, so equal values keep the name order under either direction.
    present.sort(key=lambda r: _sort_value(r, sort.column), reverse=sort.order == "desc")
    return present + missing


def check_sort(sort: Sort, columns: list[dict[str, str]]) -> None:
    known = [*FIXED_SORTS, *(f"dim:{c['id']}" for c in columns)]
    if sort.column not in known:
        raise Unprocessable(
            f"cannot sort by `{sort.column}`",
            [Issue(["query", "sort"], f"one of: {', '.join(known)}")],
            code="unknown_sort",
        )


async def comparison(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    reader: Reader,
    *,
    stage: str | None = None,
    sort: Sort | None = None,
    shortlisted_only: bool = False,
) -> dict[str, Any]:
    """The comparison table of one stage (the first in pipeline order unless named)."""
    sort = sort or Sort()
    template = await templates.get_template(db, workspace_id, template_id, reader)
    stages = await templates.list_stages(db, workspace_id, template.id)
    chosen = templates.stage_labelled(stages, stage)
    found = (
        []
        if chosen is None
        else await repository.latest_scorecards(db, workspace_id, chosen.id, MAX_ROWS + 1)
    )
    sessions, truncated = found[:MAX_ROWS], len(found) > MAX_ROWS
    columns = _columns(sessions)
    check_sort(sort, columns)
    people = await participants.get_many(db, workspace_id, {s.candidate_id for s in sessions})
    listed = {e.candidate_id: e for e in await repository.shortlist(db, workspace_id, template.id)}
    rows = []
    for session in sessions:
        person = people.get(session.candidate_id)
        if person is None:
            continue  # erased under privacy rules: nothing left to compare
        if shortlisted_only and session.candidate_id not in listed:
            continue
        row = _row(session, {"id": str(person.id), "name": person.name, "email": person.email})
        entry = listed.get(session.candidate_id)
        row["shortlisted"] = _entry_public(entry) if entry else None
        rows.append(row)
    return {
        "evaluation_template_id": str(template.id),
        "template_name": template.template_name,
        "stages": [{"id": str(s.id), "type": s.type, "name": s.stage_name} for s in stages],
        "stage": None if chosen is None else chosen.type,
        "dimensions": columns,
        "sort": {"column": sort.column, "order": sort.order},
        "rows": sorted_rows(rows, sort),
        "truncated": truncated,
    }


async def shortlist(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID, reader: Reader
) -> list[dict[str, Any]]:
    """The template's shortlist, in the order candidates were added."""
    template = await templates.get_template(db, workspace_id, template_id, reader)
    return [_entry_public(e) for e in await repository.shortlist(db, workspace_id, template.id)]


async def _candidate_of(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID, candidate_id: uuid.UUID
) -> None:
    """404 for a participant of another workspace; 422 for one with nothing in this template."""
    person = await participants.get(db, workspace_id, candidate_id)
    if person.evaluation_template_id == template_id:
        return
    if not await repository.has_session_in(db, workspace_id, template_id, candidate_id):
        raise Unprocessable(
            "this participant has no application or session in this template",
            [Issue(["path", "candidate_id"], "shortlist a candidate of this template")],
            code="not_in_template",
        )


async def add(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    candidate_id: uuid.UUID,
    reader: Reader,
    actor: ReviewerIdentity,
    now: datetime,
) -> dict[str, Any]:
    """Shortlists the candidate; adding one already there keeps who added them first."""
    template = await templates.get_template(db, workspace_id, template_id, reader)
    await _candidate_of(db, workspace_id, template.id, candidate_id)
    entry = ShortlistEntry(
        id=uuid7(),
        workspace_id=workspace_id,
        evaluation_template_id=template.id,
        candidate_id=candidate_id,
        added_by_kind=actor.kind,
        added_by_id=actor.id,
        added_by_label=actor.label[:320],
        created_at=now,
    )
    return _entry_public(await repository.add(db, entry))


async def remove(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    candidate_id: uuid.UUID,
    reader: Reader,
) -> bool:
    """Takes the candidate off the shortlist; False when they were not on it."""
    template = await templates.get_template(db, workspace_id, template_id, reader)
    await participants.get(db, workspace_id, candidate_id)
    return await repository.remove(db, workspace_id, template.id, candidate_id)
