"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.responses import JSONResponse, Response

from vivavoce.api.state import app_state
from vivavoce.interviewer.providers.status import provider_status
from vivavoce.kit import migrations

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> Response:
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    state = app_state(request)
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(3):
            async with state.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
            current = await migrations.current_revisions(state.engine)
            checks["migrations"] = "ok" if current == migrations.head_revisions() else "pending"
    except (TimeoutError, OSError, Exception) as exc:
        checks.setdefault("database", f"unreachable: {type(exc).__name__}")
    ready = all(value == "ok" for value in checks.values()) and len(checks) == 2
    # The LLM is reported, never a reason to be unready: a load balancer taking every
    # instance out because a shared model server is down would take the dashboard, the API
    # and the offline paths down with it. Operators alert on `llm.state` instead.
    llm = await provider_status(state.settings, time.monotonic())
    return JSONResponse(
        {
            "status": "ready" if ready else "not_ready",
            "checks": checks,
            "optional": {"llm": llm.to_dict()},
        },
        status_code=200 if ready else 503,
    )


@router.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
