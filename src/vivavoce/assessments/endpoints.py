"""GET /api/v1/recordings/{session_id}/answers/{index}?expires=…&signature=… — one recorded
answer of a one-way assessment (the participant turn at `index`), as the browser recorded
it. Like a session's `recording_url` (ADR 0008) the signed link is the credential and
expires after an hour; the dashboard's session page plays it beside the transcript. Single
byte ranges are served (206), so a player can seek."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from vivavoce.api.state import app_state
from vivavoce.assessments import playback
from vivavoce.kit.clock import utcnow
from vivavoce.voice.endpoints import UNSATISFIABLE, byte_range, slice_stream
from vivavoce.voice.service import store_for

router = APIRouter(prefix="/recordings", tags=["recordings"], include_in_schema=False)


@router.get("/{session_id}/answers/{index}")
async def get_answer_recording(
    request: Request,
    session_id: uuid.UUID,
    index: int,
    expires: int = Query(ge=0, le=2**40),
    signature: str = Query(max_length=100),
) -> Response:
    state = app_state(request)
    async with state.sessionmaker() as db:
        stored, content_type = await playback.open_answer(
            db,
            store_for(state.settings),
            state.settings.secret_key,
            session_id,
            index,
            expires,
            signature,
            utcnow(),
        )
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": f'inline; filename="answer-{session_id}-{index}"',
    }
    wanted = byte_range(request.headers.get("range"), stored.size)
    if wanted is None:
        return StreamingResponse(
            stored.chunks,
            media_type=content_type,
            headers={**headers, "Content-Length": str(stored.size)},
        )
    if wanted == UNSATISFIABLE:
        return Response(
            status_code=416, headers={**headers, "Content-Range": f"bytes */{stored.size}"}
        )
    first, last = wanted
    return StreamingResponse(
        slice_stream(stored.chunks, first, last),
        status_code=206,
        media_type=content_type,
        headers={
            **headers,
            "Content-Length": str(last - first + 1),
            "Content-Range": f"bytes {first}-{last}/{stored.size}",
        },
    )
