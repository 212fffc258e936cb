"""The email log: the outbox (no SMTP configured), queued, sent and failed messages."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.params import Paging
from vivavoce.api.responses import ERROR_RESPONSES, Many, One, many, one
from vivavoce.emails import service
from vivavoce.emails.schemas import (
    EmailDetailOut,
    EmailOut,
    Filters,
    Kind,
    Status,
    email_public,
)
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader as TemplateReader
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/emails", tags=["emails"])

Reader = Annotated[Principal, Depends(require("candidates.read"))]


@router.get("", response_model=Many[EmailOut], responses=ERROR_RESPONSES)
async def list_emails(
    db: Db,
    principal: Reader,
    paging: Paging,
    participant_id: Annotated[uuid.UUID | None, Query()] = None,
    session_id: Annotated[uuid.UUID | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
) -> Response:
    """Emails of the workspace, newest first. Without an SMTP server every message stays
    here with status `outbox`; bodies are in `GET /emails/{id}`."""
    filters = Filters(
        participant_id=participant_id,
        session_id=session_id,
        kind=kind,
        status=status,
        hidden_template_ids=await _hidden(db, principal),
    )
    return many(await service.list_page(db, principal.workspace_id, filters, paging))


@router.get("/{email_id}", response_model=One[EmailDetailOut], responses=ERROR_RESPONSES)
async def get_email(db: Db, principal: Reader, email_id: uuid.UUID) -> Response:
    """One email with its subject, plain-text and HTML bodies and attachment names."""
    message = await service.get(db, principal.workspace_id, email_id, await _hidden(db, principal))
    return one(email_public(message, full=True))


async def _hidden(db: Db, principal: Principal) -> frozenset[uuid.UUID]:
    """Emails about a template private to another user are 404 and left out of lists."""
    reader = TemplateReader(principal.user_id)
    return await templates.hidden_from(db, principal.workspace_id, reader)
