from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.responses import ERROR_RESPONSES, One, one
from vivavoce.api.state import app_state
from vivavoce.embed import service
from vivavoce.embed.schemas import EmbedTokenCreate, EmbedTokenOut
from vivavoce.kit.clock import utcnow
from vivavoce.templates.visibility import Reader as TemplateReader
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/sessions", tags=["sessions"])
Writer = Annotated[Principal, Depends(require("interviews.write"))]


@router.post(
    "/{session_id}/embed-token",
    status_code=201,
    response_model=One[EmbedTokenOut],
    responses=ERROR_RESPONSES,
)
async def create_embed_token(
    request: Request,
    db: Db,
    principal: Writer,
    session_id: uuid.UUID,
    body: Annotated[EmbedTokenCreate | None, Body()] = None,
) -> Response:
    """A short-lived participant token for the embeddable widget (docs/embed.md): the host
    page's server calls this with its API key and gives the page only the token. It opens
    the interview once, in a page framed by `origin`, within `embed_token_ttl_seconds`."""
    settings = app_state(request).settings
    issued = await service.issue(
        db,
        principal.workspace_id,
        session_id,
        body or EmbedTokenCreate(),
        utcnow(),
        settings.embed_token_ttl_seconds,
        TemplateReader(principal.user_id),
    )
    return one(issued.public(settings.base_url), 201)
