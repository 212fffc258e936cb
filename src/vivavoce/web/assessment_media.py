"""The one-way assessment's recordings and spoken questions (`async_assessment` stages).

POST /join/{token}/assessment/recording?position=&attempt=&kind=audio|video
     the body is the browser's recording as it is (`Content-Type: audio/webm`, …)
GET  /join/{token}/assessment/recording      the recording awaiting submit or retake
GET  /join/{token}/assessment/question.wav   the question on the table, spoken

An upload is taken only from this site's pages (like the steps) and its clock is the
moment it arrived. Refused before a byte is stored: a content type that is not a
recording of that kind (415), a body over the kind's size limit (413), a file that cannot
be decoded or holds no sound (422), then, under the session's lock, everything the step
checks (`assessments.service.record`). A connection that drops mid-upload stores nothing,
and the page sends the same recording again.
"""

from __future__ import annotations

import asyncio
import time
from typing import Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from vivavoce.api.state import app_state
from vivavoce.assessments import media, playback
from vivavoce.assessments import service as assessments
from vivavoce.kit import crypto
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import AppError, Forbidden, NotFound, TooManyRequests, Unprocessable
from vivavoce.kit.ratelimit import RateLimiter
from vivavoce.sessions import service as sessions
from vivavoce.voice import stt, tts
from vivavoce.voice.audio import to_wav
from vivavoce.voice.service import store_for
from vivavoce.web.signals import same_origin

router = APIRouter(prefix="/join", include_in_schema=False)

# The clock of an upload is its arrival, so its bytes may take this long to come after it.
UPLOAD_TRAVEL_SECONDS = 600
REQUESTS_PER_MINUTE = 30
REQUEST_BURST = 10
_limiter = RateLimiter(REQUESTS_PER_MINUTE, REQUEST_BURST)


class RecordingTooLarge(AppError):
    def __init__(self, kind: media.MediaKind) -> None:
        limit = media.MAX_BYTES[kind] // (1024 * 1024)
        super().__init__(
            f"an {kind} recording is at most {limit} MB", code="payload_too_large", status=413
        )


class NotARecording(AppError):
    def __init__(self, kind: media.MediaKind) -> None:
        allowed = ", ".join(sorted(media.CONTENT_TYPES[kind]))
        super().__init__(
            f"send the {kind} recording as one of {allowed}",
            code="unsupported_media_type",
            status=415,
        )


class SpeechUnavailable(AppError):
    def __init__(self) -> None:
        super().__init__("this server has no voice", code="speech_unavailable", status=404)


def _admit(request: Request, token: str, *, writes: bool) -> None:
    if len(token) > 200:
        raise NotFound("interview")
    if writes and not same_origin(request):
        raise Forbidden("recordings are only sent from the assessment page", code="cross_origin")
    decision = _limiter.check(crypto.digest(token), time.monotonic())
    if not decision.allowed:
        raise TooManyRequests(decision.retry_after)


async def _read_capped(request: Request, kind: media.MediaKind) -> bytes:
    limit = media.MAX_BYTES[kind]
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise RecordingTooLarge(kind)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise RecordingTooLarge(kind)
    return bytes(body)


def _links(request: Request) -> sessions.SessionLinks:
    settings = app_state(request).settings
    return sessions.SessionLinks(settings.base_url, settings.secret_key)


@router.post("/{token}/assessment/recording")
async def assessment_recording(
    request: Request,
    token: str,
    position: int = Query(ge=0, le=1000),
    attempt: int = Query(ge=0, le=100),
    kind: Literal["audio", "video"] = Query(),
) -> Response:
    arrived = utcnow()
    _admit(request, token, writes=True)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not media.content_type_fits(kind, content_type):
        raise NotARecording(kind)
    data = await _read_capped(request, kind)
    if (utcnow() - arrived).total_seconds() > UPLOAD_TRAVEL_SECONDS:
        raise AppError("the upload took too long", code="upload_too_slow", status=408)
    if not media.available():
        raise Unprocessable("this server takes typed answers only", code="answer_kind_not_allowed")
    try:
        decoded = await asyncio.to_thread(media.decode, data)
    except media.UnreadableMedia as error:
        raise Unprocessable(str(error), code="unreadable_recording") from None
    upload = assessments.Upload(kind, content_type, data, decoded.seconds, position, attempt)
    state = app_state(request)
    store = store_for(state.settings)
    try:
        async with unit_of_work(state.sessionmaker) as db:
            body = await assessments.record(db, token, upload, store, _links(request), arrived)
    except BaseException:
        for key in upload.stored:  # stored, but the transaction did not commit
            await store.delete(key)
        raise
    return JSONResponse({"data": body}, headers={"Cache-Control": "no-store"})


@router.get("/{token}/assessment/recording")
async def assessment_draft_recording(request: Request, token: str) -> Response:
    _admit(request, token, writes=False)
    state = app_state(request)
    async with state.sessionmaker() as db:
        recorded = await playback.draft_recording(db, token)
    store = store_for(state.settings)
    stored = await store.open(str(recorded["key"]))
    if stored is None:
        raise NotFound("recording")
    return StreamingResponse(
        stored.chunks,
        media_type=str(recorded["content_type"]),
        headers={"Content-Length": str(stored.size), "Cache-Control": "private, no-store"},
    )


@router.get("/{token}/assessment/question.wav")
async def assessment_question_speech(request: Request, token: str) -> Response:
    """404 `speech_unavailable` without a server voice: the page's browser speaks then."""
    _admit(request, token, writes=False)
    state = app_state(request)
    async with state.sessionmaker() as db:
        question = await playback.question_to_speak(db, token)
    voice = tts.build(state.settings)
    if voice is None:
        raise SpeechUnavailable()
    try:
        speech = await voice.synthesize(question)
    except stt.SpeechUnavailable:
        raise SpeechUnavailable() from None
    return Response(
        to_wav(speech.pcm, speech.sample_rate),
        media_type="audio/wav",
        headers={"Cache-Control": "private, max-age=600"},
    )
