from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import AwareDatetime, BaseModel, Field
from starlette.responses import Response, StreamingResponse

from vivavoce.api.deps import Db, Reads, require
from vivavoce.api.fastpath import FastRead
from vivavoce.api.fastwrite import FastWrite
from vivavoce.api.params import KnownQuery, Paging
from vivavoce.api.responses import ERROR_RESPONSES, Done, Many, One, done, many, one, one_list
from vivavoce.api.state import AppState, app_state
from vivavoce.events.schemas import EventOut
from vivavoce.kit.clock import utcnow
from vivavoce.kit.sse import event_stream
from vivavoce.sessions import scheduling, service, signals, transcript
from vivavoce.sessions.schemas import SessionCreate, SessionFilters, SessionOut, SessionUpdate
from vivavoce.sessions.state import Status
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader as TemplateReader
from vivavoce.workspaces import service as workspaces
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/sessions", tags=["sessions"])

READ_SCOPE = "interviews.read"
Reader = Annotated[Principal, Depends(require(READ_SCOPE))]
Writer = Annotated[Principal, Depends(require("interviews.write"))]


async def links(request: Request) -> service.SessionLinks:
    settings = app_state(request).settings
    return service.SessionLinks(settings.base_url, settings.secret_key)


Links = Annotated[service.SessionLinks, Depends(links)]


@router.post(
    "",
    status_code=201,
    response_model=One[SessionOut],
    responses={
        **ERROR_RESPONSES,
        200: {"model": One[SessionOut], "description": "Existing session for this idempotency_key"},
    },
)
async def create_session(db: Db, principal: Writer, link: Links, body: SessionCreate) -> Response:
    """Schedule an interview session; its `join_url` is the candidate's link."""
    reader = TemplateReader(principal.user_id)
    result = await service.schedule(db, principal.workspace_id, body, link, utcnow(), reader=reader)
    location = f"/api/v1/sessions/{result.session.id}"
    return one(link.public(result.session), 201 if result.created else 200, location)


async def _fast_create(state: AppState, principal: Principal, body: bytes) -> Response | None:
    """`create_session` for a plain JSON body and the usual case (api/fastwrite.py,
    sessions/scheduling.py), on asyncpg; None: anything else, left to the endpoint."""
    try:
        payload = SessionCreate.model_validate(json.loads(body))
    except (ValueError, RecursionError):  # pydantic's ValidationError is a ValueError
        return None
    workspaces.check_principal_account(principal, payload.accountSlug)
    link = service.SessionLinks(state.settings.base_url, state.settings.secret_key)
    reader = TemplateReader(principal.user_id)

    written = await scheduling.schedule_plain(
        state.reads, principal.workspace_id, payload, link, utcnow(), "api", reader, state.handlers
    )
    if written is None:
        return None
    return one(written.public, 201, f"/api/v1/sessions/{written.session.id}")


# POST /sessions, also answered before FastAPI's routing (api/fastwrite.py).
FAST_WRITES = [FastWrite("/api/v1/sessions", ("interviews.write",), _fast_create)]


@router.get("", response_model=Many[SessionOut], responses=ERROR_RESPONSES)
async def list_sessions(
    db: Db,
    principal: Reader,
    link: Links,
    paging: Paging,
    status: Annotated[Status | None, Query()] = None,
    candidate_id: Annotated[uuid.UUID | None, Query()] = None,
    evaluation_template_id: Annotated[uuid.UUID | None, Query()] = None,
    stage: Annotated[str | None, Query(max_length=64)] = None,
    created_after: Annotated[AwareDatetime | None, Query()] = None,
    created_before: Annotated[AwareDatetime | None, Query()] = None,
    external_id: Annotated[str | None, Query(max_length=255)] = None,
) -> Response:
    reader = TemplateReader(principal.user_id)
    if evaluation_template_id is not None:
        await templates.get_template(db, principal.workspace_id, evaluation_template_id, reader)
    filters = SessionFilters(
        hidden_template_ids=await templates.hidden_from(db, principal.workspace_id, reader),
        status=status.value if status else None,
        candidate_id=candidate_id,
        template_id=evaluation_template_id,
        stage=stage,
        created_after=created_after,
        created_before=created_before,
        external_id=external_id,
    )
    return many(await service.list_page(db, principal.workspace_id, filters, paging, link))


async def _visible(reads: Reads, principal: Principal, session_id: uuid.UUID) -> None:
    """404 for a session of another workspace, or of a template private to someone else
    (one statement, as `GET /sessions/{id}`)."""
    reader = TemplateReader(principal.user_id)
    await service.read(reads, principal.workspace_id, session_id, reader)


@router.get("/{session_id}", response_model=One[SessionOut], responses=ERROR_RESPONSES)
async def get_session(
    reads: Reads, principal: Reader, link: Links, session_id: uuid.UUID
) -> Response:
    reader = TemplateReader(principal.user_id)
    return one(link.public(await service.read(reads, principal.workspace_id, session_id, reader)))


async def _fast_read(state: AppState, principal: Principal, session_id: uuid.UUID) -> Response:
    link = service.SessionLinks(state.settings.base_url, state.settings.secret_key)
    return await get_session(state.reads, principal, link, session_id)


# GET /sessions/{session_id}, also answered before FastAPI's routing (api/fastpath.py).
FAST_READS = [FastRead("/api/v1/sessions/{session_id}", (READ_SCOPE,), _fast_read)]


@router.patch("/{session_id}", response_model=Done[SessionOut], responses=ERROR_RESPONSES)
async def reschedule_session(
    db: Db, principal: Writer, link: Links, session_id: uuid.UUID, body: SessionUpdate
) -> Response:
    """Move a scheduled session (`scheduled_at`, `timezone`, `notes`); 409 once it started."""
    reader = TemplateReader(principal.user_id)
    session = await service.reschedule(
        db, principal.workspace_id, session_id, body, link, utcnow(), reader
    )
    return done(link.public(session))


@router.post("/{session_id}/cancel", response_model=Done[SessionOut], responses=ERROR_RESPONSES)
async def cancel_session(db: Db, principal: Writer, link: Links, session_id: uuid.UUID) -> Response:
    """Cancel a scheduled session; 409 once the candidate joined or it ended."""
    reader = TemplateReader(principal.user_id)
    session = await service.cancel(db, principal.workspace_id, session_id, link, utcnow(), reader)
    return done(link.public(session))


@router.get(
    "/{session_id}/events",
    response_model=Many[EventOut],
    responses=ERROR_RESPONSES,
    dependencies=[KnownQuery],
)
async def session_events(
    db: Db,
    principal: Reader,
    session_id: uuid.UUID,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """The session's event history, newest first."""
    page = await service.session_events(
        db,
        principal.workspace_id,
        session_id,
        limit=limit,
        cursor=cursor,
        reader=TemplateReader(principal.user_id),
    )
    return many(page)


class SignalOut(BaseModel):
    kind: str
    occurred_at: str
    turn_index: int | None
    data: dict[str, int | str]


class SignalsOut(BaseModel):
    summary: dict[str, Any]
    timeline: list[SignalOut]


@router.get("/{session_id}/signals", response_model=One[SignalsOut], responses=ERROR_RESPONSES)
async def get_signals(db: Db, reads: Reads, principal: Reader, session_id: uuid.UUID) -> Response:
    """Authenticity signals (SPEC §4), reported verbatim and never pass/fail: the `summary`
    (the object also in the session's `authenticity_signals`, computed now) and the
    `timeline` of browser events with their times and the turn the candidate was at."""
    await _visible(reads, principal, session_id)
    return one(await signals.report(db, principal.workspace_id, session_id))


class TurnOut(BaseModel):
    index: int
    speaker: str
    text: str
    started_at: str
    ended_at: str
    character: str | None = Field(
        default=None, description="A role-play's AI turns: the character who speaks the line"
    )


@router.get(
    "/{session_id}/transcript", response_model=One[list[TurnOut]], responses=ERROR_RESPONSES
)
async def get_transcript(
    db: Db, reads: Reads, principal: Reader, session_id: uuid.UUID
) -> Response:
    """Every turn so far, in order (`speaker` is `ai` or `participant`). 403
    `transcript_private` for a practice session whose stage does not share it."""
    await _visible(reads, principal, session_id)
    await service.require_transcript_shared(db, principal.workspace_id, session_id)
    return one_list(await transcript.transcript(db, principal.workspace_id, session_id))


@router.get(
    "/{session_id}/transcript/stream",
    responses={
        **ERROR_RESPONSES,
        200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"},
    },
    response_class=StreamingResponse,
)
async def stream_transcript(
    request: Request,
    db: Db,
    reads: Reads,
    principal: Reader,
    session_id: uuid.UUID,
    last_event_id: Annotated[
        int | None,
        Header(alias="Last-Event-ID", ge=-1, le=1_000_000, description="Resume after this turn"),
    ] = None,
) -> StreamingResponse:
    """The transcript live, as Server-Sent Events: `turn` events (id = turn index) from the
    start or after `Last-Event-ID`, then as they happen from any server process; `end` when
    the session is over. Reconnecting with `Last-Event-ID` replays exactly what was missed."""
    await _visible(reads, principal, session_id)
    await service.require_transcript_shared(db, principal.workspace_id, session_id)
    state = app_state(request)
    items = transcript.stream(
        state.sessionmaker,
        state.transcript_listener,
        principal.workspace_id,
        session_id,
        -1 if last_event_id is None else last_event_id,
    )

    return event_stream(request, items)
