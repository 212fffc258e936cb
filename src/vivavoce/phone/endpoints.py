"""`PUT /sessions/{id}/phone` (make the session a phone interview) and
`POST /sessions/{id}/call` (call the candidate now), docs/phone.md."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.responses import ERROR_RESPONSES, One, one
from vivavoce.api.state import app_state
from vivavoce.kit.clock import isoformat_z, utcnow
from vivavoce.phone import service
from vivavoce.phone.schemas import CallOut, PhoneOut, PhoneSet
from vivavoce.templates.visibility import Reader as TemplateReader
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/sessions", tags=["sessions"])
Writer = Annotated[Principal, Depends(require("interviews.write"))]


@router.put("/{session_id}/phone", response_model=One[PhoneOut], responses=ERROR_RESPONSES)
async def set_phone(
    request: Request, db: Db, principal: Writer, session_id: uuid.UUID, body: PhoneSet
) -> Response:
    """Hold this live session over the phone at `phone`: vivavoce calls at its scheduled
    time (or on `POST /sessions/{id}/call`); the answer's `dial_in_pin` lets the candidate
    dial in instead. Setting it again gives a new PIN."""
    setup = await service.set_phone(
        db,
        principal.workspace_id,
        session_id,
        body.phone,
        app_state(request).settings.secret_key,
        TemplateReader(principal.user_id),
    )
    return one(setup.public())


@router.post(
    "/{session_id}/call", status_code=202, response_model=One[CallOut], responses=ERROR_RESPONSES
)
async def place_call(db: Db, principal: Writer, session_id: uuid.UUID) -> Response:
    """Call the candidate now (`vivavoce sip` places it at its next poll): 409
    `not_a_phone_session`, `invalid_transition` (not scheduled) or `call_in_progress`."""
    row = await service.request_call(
        db, principal.workspace_id, session_id, utcnow(), TemplateReader(principal.user_id)
    )
    data = {
        "session_id": str(row.session_id),
        "due_at": isoformat_z(row.due_at) or "",
        "attempts": row.attempts,
    }
    return one(data, 202)
