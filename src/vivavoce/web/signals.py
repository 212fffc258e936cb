"""`POST /join/{token}/signals`: the join page's authenticity signals (tab switches, focus,
paste and copy counts, fullscreen exits, displays, network changes), in small JSON batches.

The join token authenticates; only same-origin browser requests are taken (an `Origin` header
naming this site, and `Sec-Fetch-Site` when the browser sends it); bodies are at most 8 kB
and 100 events; each interview gets a small request budget; a finished interview answers 409.
`navigator.sendBeacon` posts as `text/plain`, so both that and `application/json` are read.
See `vivavoce.sessions.signals` for the events and the summary."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import JSONResponse, Response

from vivavoce.api.state import app_state
from vivavoce.kit import crypto
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import AppError, Forbidden, Issue, TooManyRequests, Unprocessable
from vivavoce.kit.ratelimit import RateLimiter
from vivavoce.sessions import signals

router = APIRouter(prefix="/join", include_in_schema=False)

REQUESTS_PER_MINUTE = 60
REQUEST_BURST = 20
_limiter = RateLimiter(REQUESTS_PER_MINUTE, REQUEST_BURST)
_TYPES = {"application/json", "text/plain"}


class PayloadTooLarge(AppError):
    def __init__(self) -> None:
        super().__init__(
            f"a signal batch is at most {signals.MAX_BODY_BYTES} bytes",
            code="payload_too_large",
            status=413,
        )


class UnsupportedType(AppError):
    def __init__(self) -> None:
        super().__init__("send JSON", code="unsupported_media_type", status=415)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: Request) -> bool:
    """Whether the browser says this request came from the interview page of this site."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    origin = request.headers.get("origin")
    if not origin:
        return False
    allowed = {_origin(app_state(request).settings.base_url), _origin(str(request.base_url))}
    return origin.lower().rstrip("/") in allowed


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > signals.MAX_BODY_BYTES):
        raise PayloadTooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > signals.MAX_BODY_BYTES:
            raise PayloadTooLarge()
    return bytes(body)


@router.post("/{token}/signals")
async def post_signals(request: Request, token: str) -> Response:
    if len(token) > 200 or not same_origin(request):
        raise Forbidden("signals are only taken from the interview page", code="cross_origin")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _TYPES:
        raise UnsupportedType()
    decision = _limiter.check(crypto.digest(token), time.monotonic())
    if not decision.allowed:
        raise TooManyRequests(decision.retry_after)
    raw = await _body(request)
    try:
        batch = signals.SignalBatch.model_validate_json(raw)
    except ValidationError as exc:
        issues = [
            Issue(["body", *(str(p) for p in error["loc"])], error["msg"])
            for error in exc.errors(include_url=False)[:20]
        ]
        raise Unprocessable("invalid signal batch", issues) from None
    async with unit_of_work(app_state(request).sessionmaker) as db:
        recorded = await signals.record(db, token, batch, utcnow())
    return JSONResponse({"stored": recorded.stored, "dropped": recorded.dropped}, status_code=202)
