"""Who acted, as a reviewer or decision-maker records them: a dashboard user, or an API key
(named by its user when it has one). Every domain that keeps an audit trail (scorecard
reviews, final decisions, comparisons) takes a `ReviewerIdentity`; it lives in `workspaces`,
the bottom of the domain order, so that any of them can use it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.workspaces import service as workspaces
from vivavoce.workspaces.service import Principal


@dataclass(frozen=True)
class ReviewerIdentity:
    kind: str  # "user" | "api_key"
    id: uuid.UUID | None
    label: str


def dashboard_reviewer(user_id: uuid.UUID, email: str) -> ReviewerIdentity:
    return ReviewerIdentity("user", user_id, email)


async def api_reviewer(db: AsyncSession, principal: Principal) -> ReviewerIdentity:
    """Who is reviewing through the API: the key's user when it has one, else the key."""
    if principal.user_id is not None:
        user = await workspaces.get_user(db, principal.user_id)
        if user is not None:
            return ReviewerIdentity("user", user.id, user.email)
    keys = await workspaces.list_api_keys(db, principal.workspace_id)
    key = next((k for k in keys if k.id == principal.key_id), None)
    label = f"API key {key.name} ({key.prefix}…)" if key else "API key"
    return ReviewerIdentity("api_key", principal.key_id, label)
