"""The embeddable interview widget (docs/embed.md, ADR 16).

GET /embed.js        the loader a host page includes: it creates the iframe and relays the
                     interview's postMessage events to the page
GET /embed/{token}   the interview inside that iframe: spends the embed token (once, before
                     it expires) and shows the join page with the room key it was exchanged
                     for, framable only by the token's origin
GET /embed/feedback/{room key}
                     a practice session's feedback, where its ended page links to, once
                     the session is over (framed the same way)

A spent or expired token gets a page saying so (still framable by its origin, so the host
page hears why); an unknown one is counted like an unknown join token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from vivavoce.api.state import app_state
from vivavoce.embed import service as embed
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import NotFound
from vivavoce.sessions import service as sessions
from vivavoce.sessions.state import OPEN, Status
from vivavoce.web.apply import HtmlRoute
from vivavoce.web.join import Frame, frame_message, interview_page, missed, throttled
from vivavoce.web.rendering import STATIC

MAX_TOKEN_LENGTH = 200
LOADER = STATIC / "embed.js"

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)


@router.get("/embed.js")
async def loader() -> Response:
    return FileResponse(
        LOADER,
        media_type="text/javascript",
        headers={
            "Cache-Control": "public, max-age=300",
            "X-Content-Type-Options": "nosniff",
            # loaded by <script> from the customer's pages, which may isolate themselves
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


@router.get("/embed/{token}")
async def embedded_interview(request: Request, token: str) -> Response:
    address = request.client.host if request.client else "unknown"
    if (refused := throttled(address)) is not None:
        return refused
    if len(token) > MAX_TOKEN_LENGTH:
        return missed(address)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            redeemed = await embed.redeem(db, token, utcnow())
    except NotFound:
        return missed(address)
    frame = Frame(redeemed.origin, str(redeemed.session_id))
    if redeemed.room is None:
        return frame_message(redeemed.refusal or "token_used", frame)
    return await interview_page(request, redeemed.room, address, frame)


@router.get("/embed/feedback/{room}")
async def embedded_feedback(request: Request, room: str) -> Response:
    """The end of an embedded practice: its feedback in the iframe, without telling the host
    page of the end again. An interview still open is not shown here: that takes a new token."""
    address = request.client.host if request.client else "unknown"
    if (refused := throttled(address)) is not None:
        return refused
    if len(room) > MAX_TOKEN_LENGTH:
        return missed(address)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            framed = await embed.framed_room(db, room, utcnow())
            session = await sessions.session_for_token(db, room)
    except NotFound:
        return missed(address)
    frame = Frame(framed.origin, str(framed.session_id), announce=False)
    if Status(session.status) in OPEN:
        return frame_message("not_joinable", frame)
    return await interview_page(request, room, address, frame)
