"""The reviewer stages' forms on the session page, through the same services and request
bodies as the API: open a manual review and submit its scorecard
(`POST /api/v1/sessions/{id}/manual-review…`), record a final decision
(`POST /api/v1/applications/{id}/decision`)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from vivavoce.api.state import app_state
from vivavoce.applications import final_review
from vivavoce.applications.schemas import FinalDecisionRequest
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import AppError
from vivavoce.scoring import manual_review
from vivavoce.scoring.manual_schemas import ManualScorecard
from vivavoce.sessions import service as sessions
from vivavoce.web.dashboard.common import (
    PREFIX,
    DashRoute,
    PostedForm,
    SignedIn,
    Viewer,
    field_errors,
    redirect,
)
from vivavoce.web.dashboard.session_live import wanted_session
from vivavoce.web.dashboard.sessions import session_page
from vivavoce.web.dashboard.templates import reader
from vivavoce.web.dashboard.views import links
from vivavoce.workspaces import actors

router = APIRouter(prefix=f"{PREFIX}/sessions", route_class=DashRoute, include_in_schema=False)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


async def _refused(
    request: Request, viewer: Viewer, wanted: uuid.UUID, form: PostedForm, errors: dict[str, str]
) -> Response:
    return await session_page(
        request, viewer, wanted, review_values=form.first_values(), errors=errors, status=422
    )


@router.post("/{session_id}/manual-review/start")
async def start_review(
    request: Request, viewer: SignedIn, session_id: str, form: PostedForm
) -> Response:
    wanted = wanted_session(session_id)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        await sessions.get_visible(db, viewer.workspace_id, wanted, reader(viewer))
        await manual_review.start(
            db,
            viewer.workspace_id,
            wanted,
            actors.dashboard_reviewer(viewer.user_id, viewer.email),
            links(request),
            utcnow(),
        )
    return redirect(f"{PREFIX}/sessions/{wanted}#manual-review")


def _scorecard_body(form: PostedForm) -> tuple[dict[str, Any], dict[str, str]]:
    """The API body from the form's `score-<dimension>` and `notes-<dimension>` fields."""
    errors: dict[str, str] = {}
    dimensions = []
    for key, value in form.first_values().items():
        if not key.startswith("score-"):
            continue
        dimension = key.removeprefix("score-")
        try:
            score = float(value.replace(",", "."))
        except ValueError:
            errors[key] = "Enter a score from 0 to 10."
            continue
        notes = form.text(f"notes-{dimension}")
        dimensions.append({"dimension_id": dimension, "score": score, "notes": notes})
    body = {"dimensions": dimensions, "decision": form.get("decision"), "notes": form.text("notes")}
    return body, errors


def _scorecard_errors(exc: ValidationError, body: dict[str, Any]) -> dict[str, str]:
    errors = {}
    for key, message in field_errors(exc).items():
        parts = key.split("-")
        if parts[0] == "dimensions" and len(parts) > 2 and parts[1].isdigit():
            dimension = body["dimensions"][int(parts[1])]["dimension_id"]
            errors[f"{'notes' if parts[2] == 'notes' else 'score'}-{dimension}"] = message
        else:
            errors[parts[0] if parts[0] in ("decision", "notes") else "__all__"] = message
    return errors


@router.post("/{session_id}/manual-review")
async def submit_review(
    request: Request, viewer: SignedIn, session_id: str, form: PostedForm
) -> Response:
    wanted = wanted_session(session_id)
    raw, errors = _scorecard_body(form)
    try:
        body = ManualScorecard.model_validate(raw)
    except ValidationError as exc:
        return await _refused(
            request, viewer, wanted, form, {**_scorecard_errors(exc, raw), **errors}
        )
    if errors:
        return await _refused(request, viewer, wanted, form, errors)
    reviewer = actors.dashboard_reviewer(viewer.user_id, viewer.email)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            await sessions.get_visible(db, viewer.workspace_id, wanted, reader(viewer))
            await manual_review.submit(
                db, viewer.workspace_id, wanted, body, reviewer, links(request), utcnow()
            )
    except AppError as exc:
        if exc.status != 422:
            raise
        return await _refused(request, viewer, wanted, form, {"__all__": _sentence(exc.message)})
    return redirect(f"{PREFIX}/sessions/{wanted}#scorecard", "manual_review_saved")


@router.post("/{session_id}/decision")
async def record_decision(
    request: Request, viewer: SignedIn, session_id: str, form: PostedForm
) -> Response:
    wanted = wanted_session(session_id)
    raw = {"decision": form.get("decision"), "reason": form.text("reason") or ""}
    try:
        body = FinalDecisionRequest.model_validate(raw)
    except ValidationError as exc:
        errors = {k.split("-")[0]: v for k, v in field_errors(exc).items()}
        return await _refused(request, viewer, wanted, form, errors)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            session = await sessions.get_visible(db, viewer.workspace_id, wanted, reader(viewer))
            await final_review.decide(
                db,
                viewer.workspace_id,
                session.application_id,
                body,
                viewer.email,
                links(request),
                utcnow(),
            )
    except AppError as exc:
        if exc.status != 422:
            raise
        return await _refused(request, viewer, wanted, form, {"decision": _sentence(exc.message)})
    return redirect(f"{PREFIX}/sessions/{wanted}#scorecard", "decision_recorded")
