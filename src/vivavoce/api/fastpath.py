"""A short way through the app for the hottest reads: `GET /api/v1/<collection>/<uuid>`.

FastAPI's way to an endpoint (its own middleware layers, matching the path against every
route of the included routers, solving the dependencies, validating parameters) costs more CPU
than authenticating the key and reading the row. `FastReads` answers the plain form of a few
reads (no query string, a well-formed id) before all that, with the same services, the same
authentication and the same rendering as their endpoints. Anything else — an error to
report, a query string, another method — goes the long way, unchanged: errors are then
raised and rendered by the endpoint itself, so both ways answer alike by construction.

It runs inside `EdgeMiddleware`, so request ids, rate limits and metrics apply as before;
the route template it reports is the endpoint's.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from vivavoce.api.deps import api_principal, presented_key_from_headers
from vivavoce.api.state import AppState
from vivavoce.kit.errors import AppError
from vivavoce.workspaces.service import Principal

_UUID_LENGTH = 36


@dataclass(frozen=True)
class FastRead:
    """`GET {path}` (one `{…}` parameter, last, an object id) needing any of `scopes`;
    `handler` is what the endpoint itself calls once it has the principal and the id."""

    path: str
    scopes: tuple[str, ...]
    handler: Callable[[AppState, Principal, uuid.UUID], Awaitable[Response]]


@dataclass(frozen=True)
class _Route:
    """What `EdgeMiddleware` reads of a matched route for its metrics label."""

    path_format: str
    path_regex: None = None


class FastReads:
    def __init__(
        self, app: ASGIApp, state_getter: Callable[[], AppState], reads: Sequence[FastRead]
    ) -> None:
        self.app = app
        self.state_getter = state_getter
        self._by_prefix: dict[str, tuple[FastRead, _Route]] = {}
        for read in reads:
            prefix, brace, _ = read.path.partition("{")
            if not brace or not read.path.endswith("}") or not prefix.endswith("/"):
                raise ValueError(f"not a read of one object by id: {read.path}")
            self._by_prefix[prefix] = (read, _Route(read.path))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope["query_string"]:
            path: str = scope["path"]
            cut = len(path) - _UUID_LENGTH
            if cut > 0 and (match := self._by_prefix.get(path[:cut])) is not None:
                response = await self._answer(scope, match[0], path[cut:])
                if response is not None:
                    scope["route"] = match[1]
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, read: FastRead, raw_id: str) -> Response | None:
        """The response, or None to let the endpoint answer (and report any error)."""
        try:
            object_id = uuid.UUID(raw_id)
        except ValueError:
            return None
        state = self.state_getter()
        secret = presented_key_from_headers(Headers(scope=scope))
        try:
            principal = await api_principal(state, secret)
            if not principal.holds_any(read.scopes):
                return None
            response = await read.handler(state, principal, object_id)
        except AppError:
            return None
        except Exception:
            # The database is down, or a bug: the endpoint's way meets the same condition
            # and answers it as the app answers everything (503 + Retry-After, a logged 500).
            # Safe to repeat: nothing here changes anything but `last_used_at`.
            return None
        state_dict: dict[str, Any] = scope.setdefault("state", {})
        state_dict["principal"] = principal
        return response
