"""Small helpers the dashboard pages share: session links, names for ids, paging links."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from vivavoce.api.state import app_state
from vivavoce.kit.errors import NotFound
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


@dataclass
class Names:
    """Display names of the participants and templates a list of sessions refers to."""

    participants: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)

    # `db` is the request's AsyncSession (web code does not import SQLAlchemy).
    async def load(self, db: Any, workspace_id: uuid.UUID, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            candidate = row.get("candidate_id")
            if candidate and candidate not in self.participants:
                try:
                    person = await participants.get(db, workspace_id, uuid.UUID(candidate))
                    self.participants[candidate] = person.name or "(erased)"
                except NotFound:
                    self.participants[candidate] = "(unknown)"
            template = row.get("evaluation_template_id")
            if template and template not in self.templates:
                try:
                    found = await templates.get_template(db, workspace_id, uuid.UUID(template))
                    self.templates[template] = found.template_name
                except NotFound:
                    self.templates[template] = "(unknown)"

    def participant(self, participant_id: str | None) -> str:
        return self.participants.get(participant_id or "", "—")

    def template(self, template_id: str | None) -> str:
        return self.templates.get(template_id or "", "—")
