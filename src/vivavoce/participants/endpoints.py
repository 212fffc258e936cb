"""Participants: the people assessed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.params import Paging
from vivavoce.api.responses import ERROR_RESPONSES, Done, Many, One, done, many, one
from vivavoce.kit.clock import utcnow
from vivavoce.participants import service
from vivavoce.participants.schemas import (
    BulkCreate,
    BulkOut,
    ParticipantCreate,
    ParticipantOut,
    ParticipantUpdate,
    Status,
    participant_public,
)
from vivavoce.templates.visibility import Reader as TemplateReader
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/participants", tags=["participants"])

Reader = Annotated[Principal, Depends(require("candidates.read"))]
Writer = Annotated[Principal, Depends(require("candidates.write"))]
# PostgreSQL text cannot hold NUL; such a filter is malformed input (422), not a server error.
NO_NUL = r"^[^\x00]*$"
Deleter = Annotated[Principal, Depends(require("candidates.delete"))]


def _reader(principal: Principal) -> TemplateReader:
    """Participants of a template private to another user are 404 and left out of lists."""
    return TemplateReader(principal.user_id)


@router.post("", status_code=201, response_model=One[ParticipantOut], responses=ERROR_RESPONSES)
async def create_participant(db: Db, principal: Writer, body: ParticipantCreate) -> Response:
    """Add a participant. An email already used for the same template → 409
    `duplicate_participant`, with the holder's id in `existing_id`."""
    participant = await service.create(db, principal.workspace_id, body, _reader(principal))
    return one(participant_public(participant), 201, f"/api/v1/participants/{participant.id}")


@router.post("/bulk", status_code=201, response_model=One[BulkOut], responses=ERROR_RESPONSES)
async def bulk_create_participants(db: Db, principal: Writer, body: BulkCreate) -> Response:
    """Add up to 500 participants. Emails already used for the same template (earlier in the
    batch, or by an existing participant) are skipped and listed in `skipped`."""
    result = await service.bulk_create(db, principal.workspace_id, body, _reader(principal))
    return one(
        {
            "created": [participant_public(p) for p in result.created],
            "skipped": [s.as_dict() for s in result.skipped],
        },
        201,
    )


@router.get("", response_model=Many[ParticipantOut], responses=ERROR_RESPONSES)
async def list_participants(
    db: Db,
    principal: Reader,
    paging: Paging,
    evaluation_template_id: Annotated[uuid.UUID | None, Query()] = None,
    email: Annotated[
        str | None,
        Query(max_length=320, pattern=NO_NUL, description="Exact, case-insensitive"),
    ] = None,
    external_id: Annotated[str | None, Query(max_length=255, pattern=NO_NUL)] = None,
    status: Annotated[Status | None, Query()] = None,
    tag: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
) -> Response:
    """This workspace's participants, newest first."""
    page = await service.list_page(
        db,
        principal.workspace_id,
        paging,
        template_id=evaluation_template_id,
        email=email,
        external_id=external_id,
        status=status,
        tag=tag,
        reader=_reader(principal),
    )
    return many(page)


@router.get("/{participant_id}", response_model=One[ParticipantOut], responses=ERROR_RESPONSES)
async def get_participant(db: Db, principal: Reader, participant_id: uuid.UUID) -> Response:
    seen = await service.get(db, principal.workspace_id, participant_id, reader=_reader(principal))
    return one(participant_public(seen))


@router.patch("/{participant_id}", response_model=Done[ParticipantOut], responses=ERROR_RESPONSES)
async def update_participant(
    db: Db, principal: Writer, participant_id: uuid.UUID, body: ParticipantUpdate
) -> Response:
    participant = await service.update(
        db, principal.workspace_id, participant_id, body, _reader(principal)
    )
    return done(participant_public(participant))


@router.delete("/{participant_id}", response_model=Done[ParticipantOut], responses=ERROR_RESPONSES)
async def delete_participant(
    db: Db,
    principal: Deleter,
    participant_id: uuid.UUID,
    purge: Annotated[
        bool, Query(description="Erase the personal data (for deletion requests)")
    ] = False,
) -> Response:
    """Archive the participant (data kept), or with `?purge=true` erase its personal data."""
    participant = await service.delete(
        db,
        principal.workspace_id,
        participant_id,
        purge=purge,
        now=utcnow(),
        reader=_reader(principal),
    )
    return done(participant_public(participant))
