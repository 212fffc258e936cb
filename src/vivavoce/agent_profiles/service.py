"""Agent profiles: create, read, update, fork."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.agent_profiles import repository
from vivavoce.agent_profiles.schemas import (
    AgentProfileCreate,
    AgentProfileUpdate,
    ForkRequest,
    dimensions_stored,
    profile_public,
)
from vivavoce.kit.db import StatementPool
from vivavoce.kit.errors import Issue, NotFound, Unprocessable
from vivavoce.kit.pagination import Page, PageRequest, page_from_rows
from vivavoce.models import AgentProfile


async def create(
    db: AsyncSession, workspace_id: uuid.UUID, body: AgentProfileCreate
) -> AgentProfile:
    profile = AgentProfile(
        workspace_id=workspace_id,
        name=body.name,
        persona=body.persona,
        use_case=body.useCase,
        evaluation_dimensions=dimensions_stored(body.evaluationDimensions),
        context=body.context.model_dump(),
        interaction=body.interaction.model_dump(),
        scoring=body.scoring.model_dump(),
        output=body.output.model_dump(),
        additional_instructions=body.additionalInstructions,
        is_public=body.isPublic,
    )
    return await repository.add(db, profile)


async def get(db: AsyncSession, workspace_id: uuid.UUID, profile_id: uuid.UUID) -> AgentProfile:
    """A profile this workspace may read: its own, or any public one."""
    profile = await repository.get_visible(db, workspace_id, profile_id)
    if profile is None:
        raise NotFound("agent profile", id=profile_id)
    return profile


async def read(
    reads: StatementPool, workspace_id: uuid.UUID, profile_id: uuid.UUID
) -> AgentProfile:
    """`get` for read-only requests: one statement, no ORM session."""
    profile = await repository.read_visible(reads, workspace_id, profile_id)
    if profile is None:
        raise NotFound("agent profile", id=profile_id)
    return profile


async def get_own(db: AsyncSession, workspace_id: uuid.UUID, profile_id: uuid.UUID) -> AgentProfile:
    profile = await repository.get_in_workspace(db, workspace_id, profile_id)
    if profile is None:
        raise NotFound("agent profile", id=profile_id)
    return profile


async def update(
    db: AsyncSession, workspace_id: uuid.UUID, profile_id: uuid.UUID, body: AgentProfileUpdate
) -> AgentProfile:
    profile = await repository.get_in_workspace(db, workspace_id, profile_id, for_update=True)
    if profile is None:
        raise NotFound("agent profile", id=profile_id)
    fields = body.model_fields_set
    simple = {
        "name": "name",
        "persona": "persona",
        "useCase": "use_case",
        "additionalInstructions": "additional_instructions",
        "isPublic": "is_public",
    }
    for field, column in simple.items():
        if field in fields:
            setattr(profile, column, getattr(body, field))
    if "evaluationDimensions" in fields and body.evaluationDimensions is not None:
        profile.evaluation_dimensions = dimensions_stored(body.evaluationDimensions)
    for field in ("context", "interaction", "scoring", "output"):
        value = getattr(body, field)
        if field in fields and value is not None:
            # A nested object is merged: sub-fields the client did not send keep their value.
            setattr(
                profile, field, {**getattr(profile, field), **value.model_dump(exclude_unset=True)}
            )
    profile.version += 1  # the rubric version recorded on scorecards
    await db.flush()
    await db.refresh(profile)
    return profile


async def fork(db: AsyncSession, workspace_id: uuid.UUID, body: ForkRequest) -> AgentProfile:
    """Copy a public profile (or one of this workspace's) into this workspace."""
    try:
        source_id = uuid.UUID(body.sourceId)
    except ValueError:
        raise Unprocessable(
            "sourceId is not valid", [Issue(["body", "sourceId"], "must be an agent profile id")]
        ) from None
    source = await repository.get_visible(db, workspace_id, source_id)
    if source is None:
        raise NotFound("agent profile", id=source_id)
    copy = AgentProfile(
        workspace_id=workspace_id,
        name=body.name or f"{source.name} (copy)"[:200],
        persona=source.persona,
        use_case=source.use_case,
        evaluation_dimensions=source.evaluation_dimensions,
        context=source.context,
        interaction=source.interaction,
        scoring=source.scoring,
        output=source.output,
        additional_instructions=source.additional_instructions,
        is_public=False,
        forked_from_id=source.id,
    )
    return await repository.add(db, copy)


async def list_page(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    page: PageRequest,
    *,
    public: bool = False,
    use_case: str | None = None,
) -> Page[dict[str, Any]]:
    rows = await repository.list_profiles(
        db, workspace_id, limit=page.limit + 1, before=page.before, public=public, use_case=use_case
    )
    result = page_from_rows(rows, page.limit, lambda p: p.id)
    return Page([profile_public(p) for p in result.items], result.has_more, result.next_cursor)
