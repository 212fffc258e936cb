"""The session page's live stream (`GET /dashboard/sessions/{id}/stream`, Server-Sent
Events over the dashboard cookie): `turn` events as the transcript grows (as the API's
transcript stream), a `session` event whenever what the page shows about the session
changes (status and why it ended, start, end, duration, the scorecard being written), and
`end` once nothing more will change: the session ended and, when it completed, was scored.

Turns and session changes both wake the stream through the transcript channel (PostgreSQL
LISTEN/NOTIFY), whichever process holds the interview or runs the scoring job; the database
is read again after every wake-up, so a missed notification loses nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from vivavoce.api.state import AppState, app_state
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import NotFound
from vivavoce.kit.sse import KEEPALIVE, event_stream
from vivavoce.sessions import service as sessions
from vivavoce.sessions import transcript
from vivavoce.sessions.state import TERMINAL, Status
from vivavoce.web.dashboard.common import PREFIX, DashRoute, SignedIn
from vivavoce.web.dashboard.templates import reader
from vivavoce.web.dashboard.views import parse_uuid

router = APIRouter(prefix=f"{PREFIX}/sessions", route_class=DashRoute, include_in_schema=False)

KEEPALIVE_SECONDS = 15.0
SHOWN = ("status", "end_reason", "started_at", "ended_at", "duration_seconds", "scored_at")
Item = tuple[str, dict[str, Any] | None, int | None]


def finished(shown: dict[str, Any]) -> bool:
    """Nothing more will change on the page: ended, and scored when it completed."""
    status = Status(shown["status"])
    return status in TERMINAL and (status != Status.COMPLETED or shown["scored_at"] is not None)


async def _read(
    state: AppState, workspace_id: uuid.UUID, session_id: uuid.UUID, after: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    async with unit_of_work(state.sessionmaker) as db:
        session = await sessions.get(db, workspace_id, session_id)
        turns = await transcript.turns_after(db, session_id, after)
    public = sessions.SessionLinks(state.settings.base_url, state.settings.secret_key).public(
        session
    )
    return {key: public.get(key) for key in SHOWN}, turns


async def live_items(
    state: AppState, workspace_id: uuid.UUID, session_id: uuid.UUID, after: int
) -> AsyncIterator[Item]:
    """The stream's items. The first `session` event comes at once (the page compares it
    with what it was rendered with), then one for every change."""
    last: dict[str, Any] | None = None
    async with state.transcript_listener.subscribe(str(session_id)) as wake:
        while True:
            wake.clear()
            current, turns = await _read(state, workspace_id, session_id, after)
            for turn in turns:
                after = turn["index"]
                yield "turn", turn, turn["index"]
            if current != last:
                yield "session", current, None
                last = current
            if turns:
                continue
            if finished(current):
                yield "end", {"status": current["status"]}, None
                return
            try:
                await asyncio.wait_for(wake.wait(), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                yield KEEPALIVE, None, None


def wanted_session(session_id: str) -> uuid.UUID:
    wanted = parse_uuid(session_id)
    if wanted is None:
        raise NotFound("session")
    return wanted


@router.get("/{session_id}/stream")
async def stream(request: Request, viewer: SignedIn, session_id: str) -> Response:
    """Turns after `?after=` (or `Last-Event-ID`), the last one the page has."""
    wanted = wanted_session(session_id)
    state = app_state(request)
    async with unit_of_work(state.sessionmaker) as db:
        await sessions.get_visible(db, viewer.workspace_id, wanted, reader(viewer))
        await sessions.require_transcript_shared(db, viewer.workspace_id, wanted)
    raw = request.headers.get("last-event-id") or request.query_params.get("after") or "-1"
    try:
        after = max(-1, min(int(raw), 1_000_000))
    except ValueError:
        after = -1
    return event_stream(request, live_items(state, viewer.workspace_id, wanted, after))
