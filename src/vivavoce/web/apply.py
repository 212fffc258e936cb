"""The public apply page: `/apply/{template_id}` and the pages that follow the form.

GET  /apply/{template_id}                                the form
POST /apply/{template_id}                                submit it (→ 303 to the request page)
GET  /apply/{template_id}/requests/{request_id}          enter the code / the outcome
POST /apply/{template_id}/requests/{request_id}/verify   check a code
POST /apply/{template_id}/requests/{request_id}/resend   send a new code

Every page is plain HTML that works without JavaScript. Every POST carries a CSRF token.
Errors are pages too: never JSON, never a trace."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response

from vivavoce.api.errors import database_unavailable
from vivavoce.api.state import app_state
from vivavoce.applications import apply_service
from vivavoce.applications.apply_schemas import check_form
from vivavoce.applications.apply_service import (
    ApplyClosed,
    ApplyConfig,
    ApplyPage,
    Throttled,
)
from vivavoce.bias_audit import questions as self_id
from vivavoce.bias_audit import service as bias_audit
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import NotFound
from vivavoce.web import csrf
from vivavoce.web.forms import UnstorableForm, read_form
from vivavoce.web.rendering import Theme, page

log = logging.getLogger(__name__)

HONEYPOT = "website"
_MAX_FIELDS = 20


@dataclass(frozen=True)
class SelfIdForm:
    """What the optional self-identification section of a form needs (`_self_id.html`)."""

    questions: tuple[self_id.Question, ...] = self_id.QUESTIONS
    decline: str = self_id.DECLINE
    prefix: str = self_id.FIELD_PREFIX


SELF_ID = SelfIdForm()


class HtmlRoute(APIRoute):
    """Anything a handler did not expect becomes an HTML error page (503 when the database
    cannot be reached), not the API's JSON body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except UnstorableForm:
                return page("message.html", {"kind": "unstorable", "template_id": None}, status=422)
            except Exception as exc:
                if database_unavailable(exc):
                    log.warning("apply page: database unavailable: %s", exc)
                    return page(
                        "message.html",
                        {"kind": "unavailable", "template_id": None},
                        status=503,
                        headers={"Retry-After": "5"},
                    )
                log.exception("apply page failed", exc_info=exc)
                return page("message.html", {"kind": "error", "template_id": None}, status=500)

        return guarded


router = APIRouter(prefix="/apply", route_class=HtmlRoute, include_in_schema=False)


def _config(request: Request) -> ApplyConfig:
    return ApplyConfig.from_settings(app_state(request).settings)


def _secret(request: Request) -> str:
    return app_state(request).settings.secret_key


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or app_state(request).settings.base_url.startswith(
        "https://"
    )


def _client_ip(request: Request) -> str | None:
    return request.client.host[:64] if request.client else None


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


async def _form(request: Request) -> dict[str, str]:
    """The posted form, first value of each field (an upload or a foreign body reads as
    empty, and so fails the CSRF check)."""
    return (await read_form(request, max_fields=_MAX_FIELDS)).first_values()


def _not_found() -> Response:
    return page("message.html", {"kind": "not_found", "template_id": None}, status=404)


def _closed(theme: Theme | None = None) -> Response:
    return page("message.html", {"kind": "closed", "template_id": None}, status=410, theme=theme)


def _forbidden(template_id: uuid.UUID | None) -> Response:
    return page("message.html", {"kind": "forbidden", "template_id": template_id}, status=403)


def _request_url(template_id: uuid.UUID, request_id: uuid.UUID) -> str:
    return f"/apply/{template_id}/requests/{request_id}"


def _form_page(
    request: Request,
    apply: ApplyPage,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    issued = csrf.issue(request, _secret(request))
    response = page(
        "apply_form.html",
        {
            "apply": apply,
            "values": dict(values or {}),
            "errors": dict(errors or {}),
            "notice": notice,
            "csrf_field": csrf.FIELD,
            "csrf_token": issued.token,
            "honeypot": HONEYPOT,
            "self_id": SELF_ID,
            "content_lang": apply.language,
            "robots": "index",
        },
        status=status,
        theme=Theme.of(apply.branding),
        headers=headers,
    )
    issued.set_cookie(response, secure=_secure(request))
    return response


def _in_minutes(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    minutes = (seconds + 59) // 60
    return f"{minutes} minutes"


def _throttle_notice(exc: Throttled) -> str:
    wait = _in_minutes(exc.retry_after_seconds)
    if exc.reason == "address_recent":
        return (
            "We have just sent a code to this address. Please check your inbox (and your spam "
            f"folder), or ask for a new code in {wait}."
        )
    if exc.reason == "address_hourly":
        return (
            "We have sent several codes to this address in the last hour. Please use the "
            f"latest one, or try again in about {wait}."
        )
    return (
        "Many applications have come from your network in the last hour. Please try again "
        f"in about {wait}."
    )


@router.get("/{template_id}")
async def show_form(request: Request, template_id: str) -> Response:
    wanted = _uuid(template_id)
    if wanted is None:
        return _not_found()
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            apply = await apply_service.open_page(db, wanted)
    except NotFound:
        return _not_found()
    except ApplyClosed:
        return _closed()
    return _form_page(request, apply)


@router.post("/{template_id}")
async def submit_form(request: Request, template_id: str) -> Response:
    wanted = _uuid(template_id)
    if wanted is None:
        return _not_found()
    values = await _form(request)
    if not csrf.accepts(request, values, _secret(request)):
        return _forbidden(wanted)
    maker = app_state(request).sessionmaker
    try:
        async with unit_of_work(maker) as db:
            apply = await apply_service.open_page(db, wanted)
    except NotFound:
        return _not_found()
    except ApplyClosed:
        return _closed()
    theme = Theme.of(apply.branding)
    if values.get(HONEYPOT, "").strip():
        # A bot filled the field people never see: it gets the page a person would, and
        # nothing is stored or sent.
        log.info("apply page %s: honeypot filled; nothing created", wanted)
        return page(
            "request.html",
            {"apply": apply, "view": None, "fake_received": True, "content_lang": apply.language},
            theme=theme,
        )
    checked = check_form(values)
    answers = self_id.parse(values)
    if checked.form is None or answers.errors:
        errors = {**(checked.errors if checked.form is None else {}), **answers.errors}
        return _form_page(request, apply, values=values, errors=errors, status=422)
    try:
        async with unit_of_work(maker) as db:
            now = utcnow()
            submitted = await apply_service.submit(
                db,
                wanted,
                checked.form,
                client_ip=_client_ip(request),
                config=_config(request),
                now=now,
            )
            await bias_audit.stage_for_request(
                db, apply.workspace_id, submitted.request_id, answers.answers, now
            )
            await bias_audit.settle_request(db, submitted.request_id)
    except NotFound:
        return _not_found()
    except ApplyClosed:
        return _closed(theme)
    except Throttled as exc:
        return _form_page(
            request,
            apply,
            values=values,
            notice=_throttle_notice(exc),
            status=429,
            headers=exc.headers,
        )
    return RedirectResponse(_request_url(wanted, submitted.request_id), status_code=303)


async def _render_request(
    request: Request,
    template_id: uuid.UUID,
    request_id: uuid.UUID,
    *,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    config = _config(request)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            view = await apply_service.view(
                db, template_id, request_id, config=config, now=utcnow()
            )
            try:
                apply: ApplyPage | None = await apply_service.open_page(db, template_id)
            except (NotFound, ApplyClosed):
                apply = None
    except NotFound:
        return _not_found()
    if apply is None and view.status not in ("completed", "duplicate"):
        return _closed()
    issued = csrf.issue(request, _secret(request))
    response = page(
        "request.html",
        {
            "apply": apply,
            "view": view,
            "template_id": template_id,
            "fake_received": False,
            "error": error,
            "notice": notice,
            "expires_minutes": config.expires_minutes,
            "csrf_field": csrf.FIELD,
            "csrf_token": issued.token,
            "base": _request_url(template_id, request_id),
            "content_lang": apply.language if apply else "en",
        },
        status=status,
        theme=Theme.of(apply.branding if apply else None),
        headers=headers,
    )
    issued.set_cookie(response, secure=_secure(request))
    return response


def _ids(template_id: str, request_id: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    template, apply_request = _uuid(template_id), _uuid(request_id)
    if template is None or apply_request is None:
        return None
    return template, apply_request


@router.get("/{template_id}/requests/{request_id}")
async def show_request(request: Request, template_id: str, request_id: str) -> Response:
    ids = _ids(template_id, request_id)
    if ids is None:
        return _not_found()
    notice = None
    if request.query_params.get("resent") == "1":
        notice = "We sent a new code. Codes from earlier emails no longer work."
    return await _render_request(request, *ids, notice=notice)


_VERIFY_STATUS = {
    "wrong": 422,
    "malformed": 422,
    "expired": 410,
    "locked": 429,
    "superseded": 409,
    "closed": 410,
}


@router.post("/{template_id}/requests/{request_id}/verify")
async def verify_code(request: Request, template_id: str, request_id: str) -> Response:
    ids = _ids(template_id, request_id)
    if ids is None:
        return _not_found()
    values = await _form(request)
    if not csrf.accepts(request, values, _secret(request)):
        return _forbidden(ids[0])
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            result = await apply_service.verify(
                db, *ids, values.get("code", ""), config=_config(request), now=utcnow()
            )
            # a settled request hands its self-identification on, or drops it
            await bias_audit.settle_request(db, ids[1])
    except NotFound:
        return _not_found()
    if result.outcome in ("completed", "duplicate"):
        return RedirectResponse(_request_url(*ids), status_code=303)
    error = None
    if result.outcome == "wrong":
        tries = "1 try" if result.tries_left == 1 else f"{result.tries_left} tries"
        error = f"That code is not right. Please check the email and try again ({tries} left)."
    elif result.outcome == "malformed":
        error = "Please enter the 6-digit code from the email."
    return await _render_request(
        request, *ids, status=_VERIFY_STATUS.get(result.outcome, 200), error=error
    )


@router.post("/{template_id}/requests/{request_id}/resend")
async def resend_code(request: Request, template_id: str, request_id: str) -> Response:
    ids = _ids(template_id, request_id)
    if ids is None:
        return _not_found()
    values = await _form(request)
    if not csrf.accepts(request, values, _secret(request)):
        return _forbidden(ids[0])
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            outcome = await apply_service.resend(
                db, *ids, client_ip=_client_ip(request), config=_config(request), now=utcnow()
            )
    except NotFound:
        return _not_found()
    except Throttled as exc:
        return await _render_request(
            request, *ids, status=429, notice=_throttle_notice(exc), headers=exc.headers
        )
    if outcome == "sent":
        return RedirectResponse(_request_url(*ids) + "?resent=1", status_code=303)
    return RedirectResponse(_request_url(*ids), status_code=303)
