"""GET /api/v1/recordings/{session_id}.wav?expires=…&signature=… — the audio behind a
session's `recording_url`. The signed link is the credential (no API key), so audio players
and browsers can open it; it expires after an hour."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from vivavoce.api.state import app_state
from vivavoce.kit.clock import utcnow
from vivavoce.voice import service
from vivavoce.voice.audio import wav_header

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

    async def body() -> AsyncIterator[bytes]:
        yield wav_header(audio.size)
        async for chunk in audio.chunks:
            yield chunk

    return StreamingResponse(
        body(),
        media_type="audio/wav",
        headers={
            "Content-Length": str(44 + audio.size),
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": f'inline; filename="interview-{session_id}.wav"',
        },
    )
