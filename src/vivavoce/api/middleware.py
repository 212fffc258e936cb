"""Pure-ASGI middleware: request ids, body limits, per-key rate limits, metrics, idempotency."""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from datetime import timedelta
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vivavoce.api.deps import presented_key_from_headers
from vivavoce.api.errors import database_unavailable, unavailable_body
from vivavoce.idempotency import service as idempotency
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Unauthorized
from vivavoce.workspaces import service as workspaces

API_PREFIX = "/api/v1"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

REQUESTS = Counter("vivavoce_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "vivavoce_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _json_error(
    status: int, message: str, code: str, request_id: str, headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps(
        {"error": message, "code": code, "issues": [], "request_id": request_id}
    ).encode()
    return status, _json_headers(body, headers), body


def _json_headers(body: bytes, headers: dict[str, str] | None = None) -> list[tuple[bytes, bytes]]:
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return raw


async def _send_whole(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class EdgeMiddleware:
    """Runs first on every request; cheap work only (no database)."""

    def __init__(self, app: ASGIApp, state_getter: Any) -> None:
        self.app = app
        self.state_getter = state_getter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        state = self.state_getter()
        path: str = scope["path"]
        extra_headers: dict[str, str] = {"x-request-id": request_id}
        status_holder = {"status": 500, "started": 0}  # 500 until the app starts its response

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = 1
                mutable = MutableHeaders(scope=message)
                for name, value in extra_headers.items():
                    mutable[name] = value
            await send(message)

        try:
            length = headers.get("content-length")
            if length is not None and (
                not length.isdigit() or int(length) > state.settings.max_body_bytes
            ):
                await _send_whole(
                    send_with_headers,
                    *_json_error(
                        413, "The request body is too large", "payload_too_large", request_id
                    ),
                )
                return
            if path.startswith(API_PREFIX):
                presented = headers.get("x-api-key") or headers.get("authorization") or ""
                client = scope.get("client")
                address = "ip:" + (client[0] if client else "unknown")
                now = time.monotonic()
                # Every caller address has a wider budget of its own, so a flood with a new
                # made-up key on each request is held back too.
                by_address = state.address_limiter.check(address, now)
                if presented:
                    bucket = "k:" + hashlib.sha256(presented.encode()).hexdigest()[:32]
                    decision = state.limiter.check(bucket, now)
                else:
                    decision = state.limiter.check(address, now)
                if not by_address.allowed:
                    decision = by_address
                extra_headers["RateLimit-Limit"] = str(decision.limit)
                extra_headers["RateLimit-Remaining"] = str(decision.remaining)
                extra_headers["RateLimit-Reset"] = str(decision.reset_seconds)
                if not decision.allowed:
                    await _send_whole(
                        send_with_headers,
                        *_json_error(
                            429,
                            "Rate limit exceeded; retry later",
                            "rate_limited",
                            request_id,
                            {"Retry-After": str(decision.retry_after)},
                        ),
                    )
                    return
            try:
                await self.app(
                    scope,
                    _limited_receive(receive, state.settings.max_body_bytes),
                    send_with_headers,
                )
            except BodyTooLarge:
                if not status_holder["started"]:
                    await _send_whole(
                        send_with_headers,
                        *_json_error(
                            413, "The request body is too large", "payload_too_large", request_id
                        ),
                    )
            except Exception:
                # Answered here, not by Starlette's outer error middleware, so that a 500 too
                # carries the request id and rate-limit headers. Re-raised for the server's log.
                if not status_holder["started"]:
                    await _send_whole(
                        send_with_headers,
                        *_json_error(500, "Internal error", "internal_error", request_id),
                    )
                raise
        finally:
            template = _route_template(scope)
            REQUESTS.labels(scope["method"], template, str(status_holder["status"])).inc()
            LATENCY.labels(scope["method"], template).observe(time.perf_counter() - started)


def _route_template(scope: Scope) -> str:
    """The matched route's path template (`/api/v1/sessions/{session_id}`): a metrics label
    whose values stay few. Routers included with a prefix may leave only the route's own part
    in its `path_format`; the static prefix is then taken from the request path."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(template, str):
        return "unmatched"
    path: str = scope["path"]
    regex = getattr(route, "path_regex", None)
    if regex is None or regex.match(path):
        return template
    index = path.find("/", 1)
    while index > 0:
        if regex.match(path[index:]):
            return path[:index] + template
        index = path.find("/", index + 1)
    return template


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body without `content-length` passes the limit.

    An `HTTPException`, so that FastAPI re-raises it from its body parsing (anything else it
    turns into a 400) and the app's handler renders the 413.
    """

    def __init__(self) -> None:
        super().__init__(413, "The request body is too large")


def _limited_receive(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge()
        return message

    return wrapped


# POSTs whose response is a secret shown once (an embed token, docs/embed.md): storing it for
# replay would keep the secret in the clear in `idempotency_keys`, so these ignore the header;
# a retry makes another short-lived token, which is harmless.
_NEVER_STORED = re.compile(r"^/api/v1/sessions/[^/]+/embed-token$")


class IdempotencyMiddleware:
    """Replays the first response to a POST that carries an `Idempotency-Key` (SPEC §3)."""

    def __init__(self, app: ASGIApp, state_getter: Any) -> None:
        self.app = app
        self.state_getter = state_getter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith(API_PREFIX)
            or _NEVER_STORED.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id", "")
        if not key or len(key) > idempotency.MAX_KEY_LENGTH:
            await _send_whole(
                send,
                *_json_error(
                    422, "Idempotency-Key must be 1-255 characters", "invalid", request_id
                ),
            )
            return
        body = await _read_body(receive)
        state = self.state_getter()
        digest = hashlib.sha256(
            scope["method"].encode()
            + b" "
            + scope["path"].encode()
            + b"?"
            + scope.get("query_string", b"")
            + b"\n"
            + body
        ).hexdigest()
        try:
            async with unit_of_work(state.sessionmaker) as db:
                principal = await workspaces.authenticate_api_key(
                    db, presented_key_from_headers(headers), utcnow(), timedelta(days=365)
                )
                claim = await idempotency.claim(
                    db,
                    principal.workspace_id,
                    key,
                    scope["method"],
                    scope["path"],
                    digest,
                    utcnow(),
                    timedelta(seconds=state.settings.idempotency_lock_seconds),
                )
        except Unauthorized:
            await self.app(scope, _replay_body(body, receive), send)
            return
        except Exception as exc:
            # Outside the app's exception handlers: answer an outage as they would.
            if not database_unavailable(exc):
                raise
            payload = json.dumps(unavailable_body(request_id)).encode()
            await _send_whole(send, 503, _json_headers(payload, {"Retry-After": "5"}), payload)
            return
        if claim.outcome == "mismatch":
            await _send_whole(
                send,
                *_json_error(
                    422,
                    "This Idempotency-Key was already used with a different request",
                    "idempotency_key_reused",
                    request_id,
                ),
            )
            return
        if claim.outcome == "in_flight":
            await _send_whole(
                send,
                *_json_error(
                    409,
                    "A request with this Idempotency-Key is still being processed",
                    "idempotency_in_flight",
                    request_id,
                    {"Retry-After": "1"},
                ),
            )
            return
        if claim.outcome == "replay":
            stored = claim.headers or {}
            raw = [(k.encode(), str(v).encode()) for k, v in stored.items()]
            raw.append((b"idempotent-replayed", b"true"))
            await _send_whole(send, claim.status or 200, raw, claim.body or b"")
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, _replay_body(body, receive), capture)
        finally:
            kept = {
                name.decode(): value.decode()
                for name, value in captured["headers"]
                if name.decode().lower() in ("content-type", "location")
            }
            async with unit_of_work(state.sessionmaker) as db:
                await idempotency.record_response(
                    db,
                    principal.workspace_id,
                    key,
                    captured["status"],
                    kept,
                    bytes(captured["body"]),
                )


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay_body(body: bytes, original: Receive) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
