from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.params import Paging
from vivavoce.api.responses import ERROR_RESPONSES, Done, Many, One, done, many, one
from vivavoce.api.state import app_state
from vivavoce.applications import final_review, progression, service
from vivavoce.applications.schemas import (
    ApplicationCreate,
    ApplicationOut,
    ApprovalStatus,
    FinalDecisionRequest,
    Outcome,
    RejectRequest,
)
from vivavoce.kit.clock import utcnow
from vivavoce.sessions.service import SessionLinks
from vivavoce.templates.visibility import Reader as TemplateReader
from vivavoce.workspaces import actors
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/applications", tags=["applications"])

Reader = Annotated[Principal, Depends(require("applications.read"))]
Writer = Annotated[Principal, Depends(require("applications.write"))]


def _reader(principal: Principal) -> TemplateReader:
    """Applications of a template private to another user are 404 and left out of lists."""
    return TemplateReader(principal.user_id)


def _links(request: Request) -> SessionLinks:
    settings = app_state(request).settings
    return SessionLinks(settings.base_url, settings.secret_key)


Links = Annotated[SessionLinks, Depends(_links)]


@router.post("", status_code=201, response_model=One[ApplicationOut], responses=ERROR_RESPONSES)
async def create_application(db: Db, principal: Writer, body: ApplicationCreate) -> Response:
    """Add a participant to a template by hand (their sessions then roll up here)."""
    application = await service.create(db, principal.workspace_id, body, reader=_reader(principal))
    view = await service.public_view(db, application)
    return one(view, 201, f"/api/v1/applications/{application.id}")


@router.get("", response_model=Many[ApplicationOut], responses=ERROR_RESPONSES)
async def list_applications(
    db: Db,
    principal: Reader,
    paging: Paging,
    evaluation_template_id: Annotated[uuid.UUID | None, Query()] = None,
    candidate_id: Annotated[uuid.UUID | None, Query()] = None,
    approval_status: Annotated[ApprovalStatus | None, Query()] = None,
    outcome: Annotated[Outcome | None, Query()] = None,
) -> Response:
    page = await service.list_page(
        db,
        principal.workspace_id,
        paging,
        template_id=evaluation_template_id,
        candidate_id=candidate_id,
        approval_status=approval_status,
        outcome=outcome,
        reader=_reader(principal),
    )
    return many(page)


@router.get("/{application_id}", response_model=One[ApplicationOut], responses=ERROR_RESPONSES)
async def get_application(db: Db, principal: Reader, application_id: uuid.UUID) -> Response:
    application = await service.get(db, principal.workspace_id, application_id, _reader(principal))
    return one(await service.public_view(db, application))


@router.post(
    "/{application_id}/approve", response_model=Done[ApplicationOut], responses=ERROR_RESPONSES
)
async def approve_application(db: Db, principal: Writer, application_id: uuid.UUID) -> Response:
    """Approve a pending application: `application.approved` fires and the first stage's
    session is scheduled and its invite emailed within seconds."""
    application = await service.approve(
        db, principal.workspace_id, application_id, utcnow(), _reader(principal)
    )
    return done(await service.public_view(db, application))


@router.post(
    "/{application_id}/reject", response_model=Done[ApplicationOut], responses=ERROR_RESPONSES
)
async def reject_application(
    db: Db, principal: Writer, application_id: uuid.UUID, body: RejectRequest | None = None
) -> Response:
    """Reject a pending application (`application.rejected`); the candidate gets a polite
    notice when the template's `apply.notify_on_rejection` is on."""
    reason = body.reason if body else None
    application = await service.reject(
        db, principal.workspace_id, application_id, reason, utcnow(), _reader(principal)
    )
    return done(await service.public_view(db, application))


@router.post(
    "/{application_id}/advance", response_model=Done[ApplicationOut], responses=ERROR_RESPONSES
)
async def advance_application(
    db: Db, principal: Writer, link: Links, application_id: uuid.UUID
) -> Response:
    """Reviewer approval: an application `awaiting_review` (its stage passed, with the rule
    `require_reviewer_approval`) moves on — the next stage's session is scheduled and the
    invite emailed. 409 `not_awaiting_review` otherwise."""
    application = await progression.advance(
        db, principal.workspace_id, application_id, link, utcnow(), _reader(principal)
    )
    return done(await service.public_view(db, application))


@router.post(
    "/{application_id}/decision", response_model=Done[ApplicationOut], responses=ERROR_RESPONSES
)
async def decide_application(
    db: Db, principal: Writer, link: Links, application_id: uuid.UUID, body: FinalDecisionRequest
) -> Response:
    """The final review: the hiring team's decision (`hire`, `no_hire`, `hold`, … in the
    template's vocabulary) with a reason, recorded once at the application's open
    `final_review` session. It completes that session, closes the application and fires
    `application.decided`. 409 `not_at_final_review`, `already_decided`; 422
    `unknown_decision` lists the template's decisions."""
    decided_by = (await actors.api_reviewer(db, principal)).label
    application = await final_review.decide(
        db, principal.workspace_id, application_id, body, decided_by, link, utcnow()
    )
    return done(await service.public_view(db, application))
