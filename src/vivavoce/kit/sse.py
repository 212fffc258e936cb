"""Server-Sent Events responses: the wire format of a stream of `(event, data, id)` items."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

KEEPALIVE = "keepalive"


def event_stream(
    request: Request, items: AsyncIterator[tuple[str, Any, int | None]]
) -> StreamingResponse:
    """Stream `items` as SSE until they end or the client goes away. An item whose event is
    `keepalive` becomes a comment line; an item with an id carries it as `id:`, so a client
    reconnecting with `Last-Event-ID` resumes after it."""

    async def body() -> AsyncIterator[bytes]:
        yield b"retry: 2000\n\n"
        async for event, data, event_id in items:
            if await request.is_disconnected():
                return
            if event == KEEPALIVE:
                yield b": keep-alive\n\n"
                continue
            head = f"id: {event_id}\n" if event_id is not None else ""
            yield f"{head}event: {event}\ndata: {json.dumps(data)}\n\n".encode()

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
