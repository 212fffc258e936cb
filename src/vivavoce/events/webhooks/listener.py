"""`vivavoce webhooks listen`: a local receiver to try webhooks with (README tour, step 5).

It answers every POST, checks the Standard Webhooks signature against the endpoint's secret,
and prints one line per delivery (verified or not) followed by its JSON body. 2xx for a
verified delivery, 401 otherwise — so vivavoce's delivery log shows the outcome too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vivavoce.kit import signing


def describe(headers: dict[str, str], body: bytes, verified: bool | None) -> str:
    """The printed form of a delivery: a status line, then the body (indented JSON)."""
    try:
        payload = json.loads(body)
        event = payload.get("event") if isinstance(payload, dict) else None
        shown = json.dumps(payload, indent=2, ensure_ascii=False)
    except ValueError:
        event, shown = None, body.decode("utf-8", errors="replace")
    state = {True: "verified", False: "SIGNATURE INVALID", None: "unverified (no --secret)"}
    return f"{state[verified]}  {headers.get('webhook-id', '-')}  {event or '-'}\n{shown}"


def receiver_app(secret: str | None, show: Callable[[str], None]) -> Starlette:
    async def receive(request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        verified = None if secret is None else signing.verify(secret, headers, body, time.time())
        show(describe(headers, body, verified))
        return Response(status_code=401 if verified is False else 204)

    return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])
