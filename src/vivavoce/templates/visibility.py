"""Who sees a `private` template: only its creator, within the workspace.

The creator is a user. A dashboard user reads as themselves; an API key reads as the user
who created it in the dashboard (`api_keys.created_by_user_id`), so a person's private
templates follow them from the dashboard to their keys. A key made without a user (the CLI,
the first-run bootstrap) reads as `user_id=None`: the workspace's integration, which sees the
private templates created by such keys and no one's else. `team`, `organization` and
`public_template` are seen by the whole workspace (and public ones by every workspace's
fork). Internal readers (the scoring job, the apply page, the interview room) pass no reader
and see every template of the workspace.

Everything of a private template — stages, sessions, participants, applications, and the
events and emails about them — is hidden with it, through the predicates below (lists) and
`templates.service.ensure_visible` (single objects); docs/api.md says where and why not
webhooks."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, exists, or_, true
from sqlalchemy.orm import QueryableAttribute

from vivavoce.models import Application, InterviewSession, Participant

PRIVATE = "private"


class _Owned(Protocol):
    visibility: str
    created_by_user_id: uuid.UUID | None


@dataclass(frozen=True)
class Reader:
    """Who is reading templates at an edge (API key or dashboard user)."""

    user_id: uuid.UUID | None

    def sees(self, template: _Owned) -> bool:
        return template.visibility != PRIVATE or template.created_by_user_id == self.user_id


def outside(
    template_column: QueryableAttribute[uuid.UUID] | QueryableAttribute[uuid.UUID | None],
    hidden: Collection[uuid.UUID],
) -> ColumnElement[bool]:
    """Rows whose template (`template_column`, maybe NULL: no template, nothing to hide) is
    not among `hidden`, the ids `templates.service.hidden_from` answers for one reader. Every
    list that holds something of a template (sessions, participants, applications, events)
    leaves out other users' private ones through this one predicate."""
    if not hidden:
        return true()
    return or_(template_column.is_(None), template_column.not_in(list(hidden)))


Reference = QueryableAttribute[uuid.UUID | None]


def about_none_hidden(
    hidden: Collection[uuid.UUID],
    *,
    session_id: Reference | None = None,
    application_id: Reference | None = None,
    participant_id: Reference | None = None,
) -> list[ColumnElement[bool]]:
    """For a record about a session, application and/or participant by these columns (an
    event, an email): left out when any of them belongs to a template in `hidden`, as that
    object itself is (through `outside`)."""
    if not hidden:
        return []
    about = (
        (InterviewSession.id, InterviewSession.evaluation_template_id, session_id),
        (Application.id, Application.evaluation_template_id, application_id),
        (Participant.id, Participant.evaluation_template_id, participant_id),
    )
    return [
        ~exists().where(object_id == reference, ~outside(template_column, hidden))
        for object_id, template_column, reference in about
        if reference is not None
    ]
