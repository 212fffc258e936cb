"""The one-way assessment page (`async_assessment` stages) and its JSON steps.

GET  /join/{token}                    (web/join.py hands an assessment's link to `page_for`)
GET  /join/{token}/assessment         the state: question on the table, phase, countdown
POST /join/{token}/assessment/start   consent: the session starts, the questions are fixed
POST /join/{token}/assessment/step    {"action", "position", "attempt", "text"?}

The join token authenticates; steps are taken only from this site's pages (an `Origin`
naming it, `Sec-Fetch-Site: same-origin` when sent) and as `application/json`, so no other
site can post one; each link has a small request budget. Errors are the API's JSON errors;
a refused step carries the current `state`, which the page then shows.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from vivavoce.api.state import app_state
from vivavoce.assessments import service as assessments
from vivavoce.assessments.schemas import Action
from vivavoce.kit import crypto
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Forbidden, NotFound, TooManyRequests
from vivavoce.kit.ratelimit import RateLimiter
from vivavoce.sessions import service as sessions
from vivavoce.templates.schemas import AssessmentSettings
from vivavoce.web.rendering import Theme, page
from vivavoce.web.signals import UnsupportedType, same_origin

router = APIRouter(prefix="/join", include_in_schema=False)

REQUESTS_PER_MINUTE = 120
REQUEST_BURST = 30
_limiter = RateLimiter(REQUESTS_PER_MINUTE, REQUEST_BURST)


def page_for(
    token: str,
    setup: sessions.InterviewSetup,
    resume: bool,
    theme: Theme,
    self_id: Mapping[str, Any],
) -> Response:
    """The assessment page: the notice (what it is, how many questions, the times, the
    optional self-identification form of `self_id`), then the questions one at a time
    (needs JavaScript, like the live interview)."""
    settings = setup.stage.get("assessment") or {}
    questions = setup.stage.get("questions") or []
    return page(
        "assessment.html",
        {
            "title": setup.template.get("template_name") or "Assessment",
            "candidate_name": setup.candidate_name,
            "token": token,
            "resume": resume,
            "question_count": len(questions) or None,
            "prep_seconds": int(settings.get("prep_seconds") or 0),
            "answer_seconds": int(settings.get("answer_seconds") or 0),
            "retakes": int(settings.get("retakes") or 0),
            "answer_kinds": assessments.answer_kinds(AssessmentSettings.model_validate(settings)),
            "speak_questions": bool(settings.get("speak_questions")),
            **self_id,
        },
        theme=theme,
        scripts=True,
        media="blob:",  # the recording just made, played back before it is uploaded
        status=422 if self_id.get("self_id_errors") else 200,
    )


def _links(request: Request) -> sessions.SessionLinks:
    settings = app_state(request).settings
    return sessions.SessionLinks(settings.base_url, settings.secret_key)


def _admit(request: Request, token: str, *, writes: bool) -> None:
    if len(token) > 200:
        raise NotFound("interview")
    if writes:
        if not same_origin(request):
            raise Forbidden("steps are only taken from the assessment page", code="cross_origin")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise UnsupportedType()
    decision = _limiter.check(crypto.digest(token), time.monotonic())
    if not decision.allowed:
        raise TooManyRequests(decision.retry_after)


def _state(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"data": body}, headers={"Cache-Control": "no-store"})


@router.get("/{token}/assessment")
async def assessment_state(request: Request, token: str) -> Response:
    _admit(request, token, writes=False)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        body = await assessments.current(db, token, _links(request), utcnow())
    return _state(body)


@router.post("/{token}/assessment/start")
async def assessment_start(request: Request, token: str) -> Response:
    _admit(request, token, writes=True)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        body = await assessments.start(db, token, _links(request), utcnow())
    return _state(body)


@router.post("/{token}/assessment/step")
async def assessment_step(request: Request, token: str, action: Action) -> Response:
    _admit(request, token, writes=True)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        body = await assessments.step(db, token, action, _links(request), utcnow())
    return _state(body)
