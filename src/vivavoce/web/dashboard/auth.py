"""Sign-in, sign-out and the overview page.

Sign-in attempts are throttled in memory per email address and per client address (GCRA,
`kit.ratelimit`): a burst of `EMAIL_BURST` tries per address, then one more every
`60 / EMAIL_PER_MINUTE` seconds; a client address gets `ADDRESS_BURST`. Each process keeps
its own budget (as for the API, see docs/adr/0004-rate-limits.md)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.responses import Response

from vivavoce.agent_profiles import service as agent_profiles
from vivavoce.api.state import app_state
from vivavoce.interviewer.providers.status import provider_status
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.pagination import PageRequest
from vivavoce.kit.ratelimit import RateLimiter
from vivavoce.participants import service as participants
from vivavoce.sessions import service as sessions
from vivavoce.sessions.schemas import SessionFilters
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader
from vivavoce.web import csrf
from vivavoce.web.dashboard.common import (
    COOKIE,
    PREFIX,
    CsrfRefused,
    DashRoute,
    LoginRequired,
    SignedIn,
    clear_session,
    read_form,
    redirect,
    render,
    same_site,
    session_cookie,
    set_session,
    signed_in,
)
from vivavoce.web.dashboard.views import Names, links
from vivavoce.workspaces import service as workspaces

router = APIRouter(prefix=PREFIX, route_class=DashRoute, include_in_schema=False)

EMAIL_PER_MINUTE = 5
EMAIL_BURST = 5
ADDRESS_PER_MINUTE = 30
ADDRESS_BURST = 30
_by_email = RateLimiter(EMAIL_PER_MINUTE, EMAIL_BURST)
_by_address = RateLimiter(ADDRESS_PER_MINUTE, ADDRESS_BURST)


def _safe_next(target: str | None) -> str:
    """Only a path inside the dashboard: never another site (`//evil`, `https://…`)."""
    if not target or not target.startswith(PREFIX) or target.startswith("//") or "\\" in target:
        return PREFIX
    return target


def _login_page(
    request: Request,
    *,
    email: str = "",
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "dashboard/login.html",
        {
            "email": email,
            "error": error,
            "next": _safe_next(request.query_params.get("next")),
        },
        status=status,
        headers=headers,
    )


@router.get("/login")
async def login_form(request: Request) -> Response:
    if request.cookies.get(COOKIE):
        try:
            await signed_in(request)
            return redirect(_safe_next(request.query_params.get("next")))
        except LoginRequired:
            pass
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    if not same_site(request):
        raise CsrfRefused()
    form = await read_form(request)
    settings = app_state(request).settings
    if not csrf.accepts(request, form.first_values(), settings.secret_key):
        raise CsrfRefused()
    email = form.get("email").strip()[:320]
    password = form.get("password")
    now = time.monotonic()
    address = request.client.host if request.client else "unknown"
    for decision in (
        _by_address.check(f"ip:{address}", now),
        _by_email.check(f"email:{email.lower()}", now),
    ):
        if not decision.allowed:
            wait = max(1, decision.retry_after)
            return _login_page(
                request,
                email=email,
                error=f"Too many sign-in attempts. Wait {wait} seconds and try again.",
                status=429,
                headers={"Retry-After": str(wait)},
            )
    async with unit_of_work(app_state(request).sessionmaker) as db:
        user = await workspaces.authenticate_user(db, email, password, utcnow())
    if user is None:
        return _login_page(
            request, email=email, error="That email and password do not match.", status=401
        )
    response = redirect(_safe_next(form.get("next")))
    cookie = session_cookie(
        settings.secret_key, user.id, workspaces.login_fingerprint(user), time.time()
    )
    set_session(response, request, cookie)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    if not same_site(request):
        raise CsrfRefused()
    form = await read_form(request)
    if not csrf.accepts(request, form.first_values(), app_state(request).settings.secret_key):
        raise CsrfRefused()
    try:
        viewer = await signed_in(request)
    except LoginRequired:
        viewer = None
    if viewer is not None:  # server-side: this cookie, and any copy of it, stops working
        async with unit_of_work(app_state(request).sessionmaker) as db:
            await workspaces.end_sessions(db, viewer.workspace_id, viewer.user_id)
    response = redirect(f"{PREFIX}/login", "signed_out")
    clear_session(response, request)
    return response


@router.get("")
async def overview(request: Request, viewer: SignedIn) -> Response:
    first = PageRequest(limit=1)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        has_profile = bool((await agent_profiles.list_page(db, viewer.workspace_id, first)).items)
        seen_as = Reader(viewer.user_id)
        template_page = await templates.list_templates_page(
            db, viewer.workspace_id, first, reader=seen_as
        )
        has_stage = any(t.get("stages") for t in template_page.items)
        has_participant = bool(
            (await participants.list_page(db, viewer.workspace_id, first, reader=seen_as)).items
        )
        hidden = await templates.hidden_from(db, viewer.workspace_id, seen_as)
        recent = await sessions.list_page(
            db,
            viewer.workspace_id,
            SessionFilters(hidden_template_ids=hidden),
            PageRequest(limit=8),
            links(request),
        )
        names = Names()
        await names.load(db, viewer.workspace_id, recent.items)
    steps = [
        ("Create an agent profile", f"{PREFIX}/profiles/new", has_profile),
        ("Create a template with a stage", f"{PREFIX}/templates/new", has_stage),
        ("Add participants", f"{PREFIX}/participants", has_participant),
        ("Schedule an interview", f"{PREFIX}/sessions/new", bool(recent.items)),
    ]
    # admins only: the provider's address and failures are operations, not recruiting
    llm = (
        await provider_status(app_state(request).settings, time.monotonic())
        if viewer.is_admin
        else None
    )
    return render(
        request,
        "dashboard/overview.html",
        {"nav": "overview", "steps": steps, "recent": recent.items, "names": names, "llm": llm},
        viewer=viewer,
    )
