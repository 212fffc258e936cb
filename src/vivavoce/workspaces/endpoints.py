"""The calling key's workspace: read it, and (keys holding `workspace.admin`) set its slug."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.responses import ERROR_RESPONSES, Done, One, done, one
from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import Workspace
from vivavoce.workspaces import service
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/workspace", tags=["workspace"])

Admin = Annotated[Principal, Depends(require("workspace.admin"))]


class WorkspaceOut(BaseModel):
    id: str
    slug: str
    name: str
    created_at: str


class WorkspaceUpdate(StrictModel):
    slug: Annotated[
        str | None,
        Field(
            max_length=63,
            description="What `accountSlug` must name; set it to your Intervyo team slug",
        ),
    ] = None
    name: Annotated[str | None, Field(max_length=200)] = None
    accountSlug: Annotated[str | None, Field(max_length=63)] = None


def workspace_public(workspace: Workspace) -> dict[str, Any]:
    return {
        "id": str(workspace.id),
        "slug": workspace.slug,
        "name": workspace.name,
        "created_at": isoformat_z(workspace.created_at),
    }


@router.get("", response_model=One[WorkspaceOut], responses=ERROR_RESPONSES)
async def get_workspace(db: Db, principal: Admin) -> Response:
    return one(workspace_public(await service.get_workspace(db, principal.workspace_id)))


@router.patch("", response_model=Done[WorkspaceOut], responses=ERROR_RESPONSES)
async def update_workspace(db: Db, principal: Admin, body: WorkspaceUpdate) -> Response:
    """Set the slug (`accountSlug` must then name the new one) and/or the name."""
    workspace = await service.rename_workspace(
        db, principal.workspace_id, slug=body.slug, name=body.name
    )
    return done(workspace_public(workspace))
