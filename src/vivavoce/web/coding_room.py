"""The interview room's coding pane: `GET /join/{token}/coding` (the problem and the runs so
far) and `POST /join/{token}/coding/runs` (Run or Submit), authenticated by the join token and
taken from the interview page only; plus the pinned code editor's files under
`/vendor/codemirror/`, installed by `make sandbox`, never fetched from a CDN."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import FileResponse, JSONResponse, Response

from vivavoce.api.state import app_state
from vivavoce.coding import room, service
from vivavoce.kit import crypto
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import AppError, Forbidden, Issue, NotFound, TooManyRequests, Unprocessable
from vivavoce.kit.ratelimit import RateLimiter
from vivavoce.web.signals import same_origin

router = APIRouter(include_in_schema=False)

RUNS_PER_MINUTE = 20
RUN_BURST = 6
MAX_BODY_BYTES = 80_000
_runs = RateLimiter(RUNS_PER_MINUTE, RUN_BURST)

# The editor files the pane loads: CodeMirror 5's core, its Python and JavaScript modes
# (TypeScript is the JavaScript mode's `text/typescript`) and bracket matching.
EDITOR_FILES = frozenset(
    {
        "lib/codemirror.js",
        "lib/codemirror.css",
        "mode/python/python.js",
        "mode/javascript/javascript.js",
        "addon/edit/matchbrackets.js",
        "addon/edit/closebrackets.js",
    }
)


def _checked_token(request: Request, token: str) -> None:
    if len(token) > 200 or not same_origin(request):
        raise Forbidden("code runs are only taken from the interview page", code="cross_origin")


@router.get("/join/{token}/coding")
async def coding_pane(request: Request, token: str) -> Response:
    if len(token) > 200:
        raise NotFound("interview")
    async with unit_of_work(app_state(request).sessionmaker) as db:
        shown = await room.pane(db, token)
    return JSONResponse(shown, headers={"Cache-Control": "no-store"})


@router.post("/join/{token}/coding/runs")
async def coding_run(request: Request, token: str) -> Response:
    """Run the candidate's code against the visible tests (`mode: run`) or all of them
    (`submit`); answers with the finished run, hidden tests showing their outcome only."""
    _checked_token(request, token)
    decision = _runs.check(crypto.digest(token), time.monotonic())
    if not decision.allowed:
        raise TooManyRequests(decision.retry_after)
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise AppError("the code is too long", code="payload_too_large", status=413)
    try:
        body = room.RoomRun.model_validate_json(raw)
    except ValidationError as exc:
        issues = [
            Issue(["body", *(str(p) for p in error["loc"])], error["msg"])
            for error in exc.errors(include_url=False)[:20]
        ]
        raise Unprocessable("invalid run", issues) from None
    state = app_state(request)
    async with unit_of_work(state.sessionmaker) as db:
        workspace_id, execution_id = await room.queue_run(db, token, body)
    execution = await service.wait_for(
        state.sessionmaker, state.transcript_listener, workspace_id, execution_id
    )
    return JSONResponse(room.candidate_run(execution), status_code=201)


@router.get("/vendor/codemirror/{path:path}")
async def editor_file(request: Request, path: str) -> Response:
    if path not in EDITOR_FILES:
        raise NotFound("file")
    root = app_state(request).settings.sandbox_vendor_dir / "codemirror"
    file = Path(root, path)
    if not await asyncio.to_thread(file.is_file):
        raise NotFound("file")  # `make sandbox` installs the editor
    media = "text/css" if path.endswith(".css") else "text/javascript"
    return FileResponse(file, media_type=media, headers={"Cache-Control": "max-age=86400"})
