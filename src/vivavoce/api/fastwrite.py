"""A short way through the app for the hottest write: `POST /api/v1/sessions` (ADR 0006).

`FastReads` for a write. FastAPI's way to the endpoint — its middleware layers, matching the
path against every route, solving the dependencies — cost about as much CPU as scheduling
the session itself (docs/benchmarks.md). `FastWrites` answers the plain form of a registered
write before all that: a JSON body (read here, at most `MAX_BODY` bytes), no query string,
no `Idempotency-Key` header (that is `IdempotencyMiddleware`'s, further in), a key holding
the scope. Its handler validates the body with the endpoint's own model and does what the
endpoint does in a transaction of its own (`StatementPool.transaction`).

Anything else goes FastAPI's way with the body replayed, unchanged — and so does every
error: a body that does not validate, a refused key, an `AppError`, a request the handler
leaves to the endpoint (its transaction rolled back first, so nothing was written and doing
it again is safe), or the database failing before the commit. Errors are thus raised and
rendered by the endpoint itself, and both ways answer alike by construction. Only a failing
COMMIT is answered here (whether it took effect is unknown, so the write is not sent
again): 503 when the database is unavailable, else 500, with the bodies the app's handlers
give.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vivavoce.api.deps import api_principal, presented_key_from_headers
from vivavoce.api.errors import database_unavailable, unavailable_body
from vivavoce.api.state import AppState
from vivavoce.kit.db import CommitFailed
from vivavoce.kit.errors import AppError
from vivavoce.workspaces.service import Principal

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class FastWrite:
    """`POST {path}` (exact) needing any of `scopes`; `handler` validates the body and does
    what the endpoint does, or answers None (nothing written) to leave it to the endpoint."""

    path: str
    scopes: tuple[str, ...]
    handler: Callable[[AppState, Principal, bytes], Awaitable[Response | None]]


@dataclass(frozen=True)
class _Route:
    """What `EdgeMiddleware` reads of a matched route for its metrics label."""

    path_format: str
    path_regex: None = None


class FastWrites:
    def __init__(
        self, app: ASGIApp, state_getter: Callable[[], AppState], writes: Sequence[FastWrite]
    ) -> None:
        self.app = app
        self.state_getter = state_getter
        self._by_path = {write.path: write for write in writes}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        write = self._plain(scope)
        if write is None:
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        if body is not None:
            response = await self._answer(scope, write, body)
            if response is not None:
                scope["route"] = _Route(write.path)
                await response(scope, receive, send)
                return
        await self.app(scope, _replaying(messages, receive), send)

    def _plain(self, scope: Scope) -> FastWrite | None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["query_string"]:
            return None
        write = self._by_path.get(scope["path"])
        if write is None:
            return None
        headers = Headers(scope=scope)
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json" or "idempotency-key" in headers:
            return None
        return write

    async def _answer(self, scope: Scope, write: FastWrite, body: bytes) -> Response | None:
        """The response, or None to let the endpoint answer (and report any error)."""
        state = self.state_getter()
        try:
            secret = presented_key_from_headers(Headers(scope=scope))
            principal = await api_principal(state, secret)
            if not principal.holds_any(write.scopes):
                return None
            response = await write.handler(state, principal, body)
        except AppError:
            return None
        except CommitFailed as failed:
            return _commit_failure(scope, failed.__cause__ or failed)
        except Exception:
            # The database is down, or a bug: the endpoint's way meets the same condition
            # and answers it as the app answers everything. Nothing was committed.
            return None
        if response is not None:
            scope.setdefault("state", {})["principal"] = principal
        return response


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """The messages read, and the whole body (None: longer than `MAX_BODY`, or the client
    went away — the endpoint's way then reads the rest, or learns of it)."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        size += len(message.get("body", b""))
        if size > MAX_BODY:
            return messages, None
        if not message.get("more_body", False):
            return messages, b"".join(m.get("body", b"") for m in messages)


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def _commit_failure(scope: Scope, exc: BaseException) -> Response:
    request_id: Any = scope.get("state", {}).get("request_id")
    if database_unavailable(exc):
        log.warning("database unavailable at commit: %s: %s", type(exc).__name__, exc)
        return JSONResponse(
            unavailable_body(request_id), status_code=503, headers={"Retry-After": "5"}
        )
    log.error("commit failed", exc_info=exc)
    body: dict[str, Any] = {
        "error": "Internal error",
        "code": "internal_error",
        "issues": [],
        "request_id": request_id,
    }
    return JSONResponse(body, status_code=500)
