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
from vivavoce.assessments import media
from vivavoce.idempotency import service as idempotency
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Unauthorized
from vivavoce.kit.ratelimit import Decision
from vivavoce.workspaces import service as workspaces

API_PREFIX = "/api/v1"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# A one-way assessment's recorded answer may be larger than any other body; its handler
# caps it again per kind while reading (docs/one-way.md).
_RECORDING_UPLOAD = re.compile(r"^/join/[^/]{1,200}/assessment/recording$")

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


class _Response:
    """The `send` of one request as the edge middleware sees it: adds `extra_headers` to the
    response's start and remembers its status (500 until the app starts its response)."""

    def __init__(self, send: Send, request_id: str) -> None:
        self._send = send
        self.request_id = request_id
        self.extra_headers: dict[str, str] = {"x-request-id": request_id}
        self.status = 500
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.started = True
            mutable = MutableHeaders(scope=message)
            for name, value in self.extra_headers.items():
                mutable[name] = value
        await self._send(message)

    async def error(
        self, status: int, message: str, code: str, headers: dict[str, str] | None = None
    ) -> None:
        await _send_whole(self, *_json_error(status, message, code, self.request_id, headers))


_TOO_LARGE = "The request body is too large"


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
        request_id = _request_id(headers)
        scope.setdefault("state", {})["request_id"] = request_id
        state = self.state_getter()
        response = _Response(send, request_id)
        try:
            await self._guarded(scope, receive, response, headers, state)
        finally:
            template = _route_template(scope)
            REQUESTS.labels(scope["method"], template, str(response.status)).inc()
            LATENCY.labels(scope["method"], template).observe(time.perf_counter() - started)

    async def _guarded(
        self, scope: Scope, receive: Receive, response: _Response, headers: Headers, state: Any
    ) -> None:
        """The app behind the body cap and, on the API, the rate limits."""
        max_body = state.settings.max_body_bytes
        if scope["method"] == "POST" and _RECORDING_UPLOAD.match(scope["path"]):
            max_body = max(max_body, max(media.MAX_BYTES.values()))
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            await response.error(413, _TOO_LARGE, "payload_too_large")
            return
        if scope["path"].startswith(API_PREFIX):
            decision = _rate_decision(state, headers, scope)
            response.extra_headers["RateLimit-Limit"] = str(decision.limit)
            response.extra_headers["RateLimit-Remaining"] = str(decision.remaining)
            response.extra_headers["RateLimit-Reset"] = str(decision.reset_seconds)
            if not decision.allowed:
                await response.error(
                    429,
                    "Rate limit exceeded; retry later",
                    "rate_limited",
                    {"Retry-After": str(decision.retry_after)},
                )
                return
        try:
            await self.app(scope, _limited_receive(receive, max_body), response)
        except BodyTooLarge:
            if not response.started:
                await response.error(413, _TOO_LARGE, "payload_too_large")
        except Exception:
            # Answered here, not by Starlette's outer error middleware, so that a 500 too
            # carries the request id and rate-limit headers. Re-raised for the server's log.
            if not response.started:
                await response.error(500, "Internal error", "internal_error")
            raise


def _request_id(headers: Headers) -> str:
    """The caller's `x-request-id` when it is a sane one, else a new id."""
    incoming = headers.get("x-request-id", "")
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _rate_decision(state: Any, headers: Headers, scope: Scope) -> Decision:
    """The budget of the presented key (of the caller's address when none is presented),
    unless the address's own budget is spent."""
    presented = headers.get("x-api-key") or headers.get("authorization") or ""
    client = scope.get("client")
    address = "ip:" + (client[0] if client else "unknown")
    now = time.monotonic()
    # Every caller address has a wider budget of its own, so a flood with a new made-up key
    # on each request is held back too.
    by_address: Decision = state.address_limiter.check(address, now)
    if presented:
        bucket = "k:" + hashlib.sha256(presented.encode()).hexdigest()[:32]
        decision: Decision = state.limiter.check(bucket, now)
    else:
        decision = state.limiter.check(address, now)
    return decision if by_address.allowed else by_address


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
        if not _keyable(scope):
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
        try:
            workspace_id, claim = await _claim(state, headers, scope, key, body)
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
        if claim.outcome == "proceed":
            await self._run_and_record(
                scope, _replay_body(body, receive), send, state, workspace_id, key
            )
        else:
            await _answer_claimed(send, claim, request_id)

    async def _run_and_record(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        state: Any,
        workspace_id: uuid.UUID,
        key: str,
    ) -> None:
        """Run the request, pass its response on, and store that response for the key (in
        `finally`: also when the app raises)."""
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            kept = {
                name.decode(): value.decode()
                for name, value in captured["headers"]
                if name.decode().lower() in ("content-type", "location")
            }
            async with unit_of_work(state.sessionmaker) as db:
                await idempotency.record_response(
                    db,
                    state.settings.secret_key,
                    workspace_id,
                    key,
                    captured["status"],
                    kept,
                    bytes(captured["body"]),
                )


def _keyable(scope: Scope) -> bool:
    """Whether an `Idempotency-Key` applies: a POST to the API whose reply is not a secret."""
    path: str = scope.get("path", "")
    return (
        scope["type"] == "http"
        and scope["method"] == "POST"
        and path.startswith(API_PREFIX)
        and not _NEVER_STORED.match(path)
    )


async def _claim(
    state: Any, headers: Headers, scope: Scope, key: str, body: bytes
) -> tuple[uuid.UUID, idempotency.Claim]:
    """The caller's workspace and its claim on `key` for this request (`Unauthorized` for a
    caller without a valid key: the app then refuses it as it would any other request)."""
    digest = hashlib.sha256(
        scope["method"].encode()
        + b" "
        + scope["path"].encode()
        + b"?"
        + scope.get("query_string", b"")
        + b"\n"
        + body
    ).hexdigest()
    async with unit_of_work(state.sessionmaker) as db:
        principal = await workspaces.authenticate_api_key(
            db, presented_key_from_headers(headers), utcnow(), timedelta(days=365)
        )
        claim = await idempotency.claim(
            db,
            state.settings.secret_key,
            principal.workspace_id,
            key,
            scope["method"],
            scope["path"],
            digest,
            utcnow(),
            timedelta(seconds=state.settings.idempotency_lock_seconds),
        )
    return principal.workspace_id, claim


async def _answer_claimed(send: Send, claim: idempotency.Claim, request_id: str) -> None:
    """The answer to a key already used: its stored response, or why there is none."""
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
    elif claim.outcome == "unreadable":
        await _send_whole(
            send,
            *_json_error(
                409,
                "The response stored for this Idempotency-Key was encrypted under a secret key "
                "that is no longer configured, so it cannot be replayed; nothing was run again",
                "idempotency_reply_unreadable",
                request_id,
            ),
        )
    elif claim.outcome == "in_flight":
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
    else:
        stored = claim.headers or {}
        raw = [(k.encode(), str(v).encode()) for k, v in stored.items()]
        raw.append((b"idempotent-replayed", b"true"))
        await _send_whole(send, claim.status or 200, raw, claim.body or b"")


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
