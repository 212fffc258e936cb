"""GET /api/v1/recordings/{session_id}.wav?expires=…&signature=… — the audio behind a
session's `recording_url`. The signed link is the credential (no API key), so audio players
and browsers can open it; it expires after an hour. Single byte ranges are served (206), so
a player can seek."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from vivavoce.api.state import app_state
from vivavoce.kit.clock import utcnow
from vivavoce.voice import service
from vivavoce.voice.audio import wav_header
from vivavoce.voice.recordings import StoredAudio

router = APIRouter(prefix="/recordings", tags=["recordings"], include_in_schema=False)


@router.get("/{session_id}.wav")
async def get_recording(
    request: Request,
    session_id: uuid.UUID,
    expires: int = Query(ge=0, le=2**40),
    signature: str = Query(max_length=100),
) -> Response:
    state = app_state(request)
    async with state.sessionmaker() as db:
        audio = await service.open_recording(
            db,
            service.store_for(state.settings),
            state.settings.secret_key,
            session_id,
            expires,
            signature,
            utcnow(),
        )

    total = 44 + audio.size
    wanted = byte_range(request.headers.get("range"), total)
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": f'inline; filename="interview-{session_id}.wav"',
    }
    if wanted is None:
        return StreamingResponse(
            _whole(audio),
            media_type="audio/wav",
            headers={**headers, "Content-Length": str(total)},
        )
    if wanted == UNSATISFIABLE:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{total}"})
    first, last = wanted
    return StreamingResponse(
        slice_stream(_whole(audio), first, last),
        status_code=206,
        media_type="audio/wav",
        headers={
            **headers,
            "Content-Length": str(last - first + 1),
            "Content-Range": f"bytes {first}-{last}/{total}",
        },
    )


UNSATISFIABLE = (-1, -1)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str | None, total: int) -> tuple[int, int] | None:
    """The one byte range a `Range` header asks for, inclusive (players seek with these):
    None for the whole file (no header, or one we do not serve, such as several ranges),
    UNSATISFIABLE when it starts past the end."""
    found = _RANGE.match((header or "").strip())
    if found is None or not (found[1] or found[2]):
        return None
    if not found[1]:  # the last N bytes
        length = min(int(found[2]), total)
        return (total - length, total - 1) if length > 0 else UNSATISFIABLE
    first = int(found[1])
    last = min(int(found[2]), total - 1) if found[2] else total - 1
    if first >= total or last < first:
        return UNSATISFIABLE
    return first, last


async def _whole(audio: StoredAudio) -> AsyncIterator[bytes]:
    yield wav_header(audio.size)
    async for chunk in audio.chunks:
        yield chunk


async def slice_stream(chunks: AsyncIterator[bytes], first: int, last: int) -> AsyncIterator[bytes]:
    """Bytes `first`..`last` of a stream (the stores read from the start)."""
    position = 0
    async for chunk in chunks:
        end = position + len(chunk)
        if end > first:
            yield chunk[max(0, first - position) : last + 1 - position]
        position = end
        if position > last:
            break
