"""The recruiter dashboard under /dashboard: server-rendered pages that call the same domain
services as the API, with small JavaScript modules for the live parts."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import FileResponse, RedirectResponse, Response

from vivavoce.web.dashboard import (
    auth,
    bias_audit,
    coding,
    compare,
    developer,
    participants,
    profiles,
    review,
    session_live,
    sessions,
    settings,
    stage_modes,
    templates,
    users,
)
from vivavoce.web.dashboard.common import PREFIX
from vivavoce.web.rendering import STATIC


def router() -> APIRouter:
    combined = APIRouter(include_in_schema=False)

    @combined.get("/")
    async def root() -> Response:
        return RedirectResponse(PREFIX, status_code=303)

    @combined.get("/favicon.ico")
    async def favicon() -> Response:
        """Browsers ask for it whatever the page links; the SVG icon answers."""
        return FileResponse(
            STATIC / "favicon.svg",
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    for part in (
        auth,
        profiles,
        templates,
        coding,
        compare,
        bias_audit,
        participants,
        sessions,
        session_live,
        review,
        stage_modes,
        developer,
        users,
        settings,
    ):
        combined.include_router(part.router)
    return combined
