"""Small helpers the dashboard pages share: session links, names for ids, paging links."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from vivavoce.api.state import app_state
from vivavoce.kit.pagination import MAX_LIMIT, PageRequest, decode_cursor
from vivavoce.participants import service as participants
from vivavoce.sessions import service as sessions
from vivavoce.templates import service as templates


def links(request: Request) -> sessions.SessionLinks:
    settings = app_state(request).settings
    return sessions.SessionLinks(settings.base_url, settings.secret_key)


def parse_uuid(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def paging(request: Request, limit: int = 25) -> PageRequest:
    """The page asked for by `?cursor=` (and `?limit=`, 1-100); a cursor that is not ours
    reads as the first page."""
    asked = request.query_params.get("limit", "")
    if asked.isdigit() and 1 <= int(asked) <= MAX_LIMIT:
        limit = int(asked)
    cursor = request.query_params.get("cursor")
    try:
        before = decode_cursor(cursor) if cursor and len(cursor) <= 64 else None
    except Exception:
        before = None
    return PageRequest(limit=min(limit, MAX_LIMIT), before=before)


def _ids(rows: list[dict[str, Any]], key: str) -> set[uuid.UUID]:
    found = (parse_uuid(row.get(key)) for row in rows)
    return {value for value in found if value is not None}


@dataclass
class Names:
    """Display names of the participants and templates a list of sessions refers to."""

    participants: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)

    # `db` is the request's AsyncSession (web code does not import SQLAlchemy).
    async def load(self, db: Any, workspace_id: uuid.UUID, rows: list[dict[str, Any]]) -> None:
        """Two queries for the whole page, whatever its length."""
        people = _ids(rows, "candidate_id")
        wanted = _ids(rows, "evaluation_template_id")
        found_people = await participants.get_many(db, workspace_id, people)
        found_templates = await templates.get_templates(db, workspace_id, wanted)
        for person_id in people:
            person = found_people.get(person_id)
            self.participants[str(person_id)] = (
                (person.name or "(erased)") if person else "(unknown)"
            )
        for template_id in wanted:
            template = found_templates.get(template_id)
            self.templates[str(template_id)] = template.template_name if template else "(unknown)"

    def participant(self, participant_id: str | None) -> str:
        return self.participants.get(participant_id or "", "—")

    def template(self, template_id: str | None) -> str:
        return self.templates.get(template_id or "", "—")
