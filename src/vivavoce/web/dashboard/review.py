"""The review form of the session page: a reviewer confirms the scorecard or adjusts
dimension scores with a written reason, through the same `scoring.review` service (and the
same `ReviewRequest` body) as `POST /api/v1/sessions/{id}/scorecard/review`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from vivavoce.api.state import app_state
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Conflict, Unprocessable
from vivavoce.scoring import review
from vivavoce.scoring.review_schemas import ReviewRequest
from vivavoce.sessions import service as sessions
from vivavoce.web.dashboard.common import (
    PREFIX,
    DashRoute,
    PostedForm,
    SignedIn,
    field_errors,
    redirect,
)
from vivavoce.web.dashboard.review_views import form_errors, review_body
from vivavoce.web.dashboard.session_live import wanted_session
from vivavoce.web.dashboard.sessions import session_page
from vivavoce.web.dashboard.templates import reader
from vivavoce.web.dashboard.views import links
from vivavoce.workspaces import actors

router = APIRouter(prefix=f"{PREFIX}/sessions", route_class=DashRoute, include_in_schema=False)

STALE = (
    "Someone else reviewed this scorecard while you had it open, so nothing was saved. "
    "The page now shows their review; read it and review again if you still disagree."
)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@router.post("/{session_id}/review")
async def review_scorecard(
    request: Request, viewer: SignedIn, session_id: str, form: PostedForm
) -> Response:
    wanted = wanted_session(session_id)
    raw, errors, order = review_body(form)
    values = form.first_values()
    try:
        body = ReviewRequest.model_validate(raw)
    except ValidationError as exc:
        errors = {**form_errors(field_errors(exc), order), **errors}
        return await session_page(
            request, viewer, wanted, review_values=values, errors=errors, status=422
        )
    if errors:
        return await session_page(
            request, viewer, wanted, review_values=values, errors=errors, status=422
        )
    reviewer = actors.dashboard_reviewer(viewer.user_id, viewer.email)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            await sessions.get_visible(db, viewer.workspace_id, wanted, reader(viewer))
            await review.review(
                db, viewer.workspace_id, wanted, body, reviewer, links(request), utcnow()
            )
    except Conflict as exc:
        if exc.code != "scorecard_changed":
            raise
        # The form opens on the new version; only the reason typed is kept.
        return await session_page(
            request,
            viewer,
            wanted,
            errors={"__all__": STALE},
            status=409,
            keep_reason=values.get("reason", ""),
        )
    except Unprocessable as exc:
        errors = {"__all__": _sentence(exc.message)}
        return await session_page(
            request, viewer, wanted, review_values=values, errors=errors, status=422
        )
    notice = "review_adjusted" if body.action == "adjust" else "review_confirmed"
    return redirect(f"{PREFIX}/sessions/{wanted}#scorecard", notice)
