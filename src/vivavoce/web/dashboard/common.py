"""What every dashboard page shares: the signed session cookie, the signed-in viewer, roles,
form parsing with CSRF and Origin checks, HTML error pages and rendering.

Sign-in state lives in one cookie, `vv_dash`: `v1.<user id>.<issued at>.<signature>`, the
signature an HMAC under the secret key over those fields and a fingerprint of the user's
password hash (so changing a password ends every session). The cookie is HttpOnly,
SameSite=Lax, Secure when the site is served over https, and lasts `SESSION_HOURS`. Every
request loads the user again, so a deleted user is signed out at once.

Every POST carries the CSRF token of `vivavoce.web.csrf` (bound to the visitor cookie and to
this sign-in cookie), and a request whose `Origin` (or `Sec-Fetch-Site`) names another site
is refused before the token is even read."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from vivavoce.api.errors import database_unavailable
from vivavoce.api.state import app_state
from vivavoce.kit import crypto
from vivavoce.kit.errors import AppError
from vivavoce.web import csrf, forms
from vivavoce.web.forms import Form as Form  # re-exported: the pages import it from here
from vivavoce.web.rendering import page
from vivavoce.workspaces import service as workspaces

log = logging.getLogger(__name__)

PREFIX = "/dashboard"
COOKIE = csrf.LOGIN_COOKIE
SESSION_HOURS = 12
_MAX_FIELDS = 400
_MAX_FILES = 1  # the participants CSV


# --- the session cookie -------------------------------------------------------------------


_SESSION_PURPOSE = "dashboard-session"


def _signature(secret_key: str, user_id: str, issued: int, fingerprint: str) -> str:
    return crypto.derive_token(
        secret_key, _SESSION_PURPOSE, f"{user_id}.{issued}.{fingerprint}", 32
    )


def session_cookie(secret_key: str, user_id: uuid.UUID, fingerprint: str, now: float) -> str:
    issued = int(now)
    return f"v1.{user_id}.{issued}.{_signature(secret_key, str(user_id), issued, fingerprint)}"


@dataclass(frozen=True)
class CookieClaim:
    user_id: uuid.UUID
    issued: int
    signature: str

    def valid_for(self, secret_key: str, fingerprint: str, now: float) -> bool:
        if now - self.issued > SESSION_HOURS * 3600 or self.issued > now + 60:
            return False
        subject = f"{self.user_id}.{self.issued}.{fingerprint}"
        return crypto.token_matches(secret_key, _SESSION_PURPOSE, subject, self.signature, 32)


def read_cookie(value: str | None) -> CookieClaim | None:
    if not value or len(value) > 300:
        return None
    parts = value.split(".")
    if len(parts) != 4 or parts[0] != "v1" or not parts[2].isdigit():
        return None
    try:
        user_id = uuid.UUID(parts[1])
    except ValueError:
        return None
    return CookieClaim(user_id, int(parts[2]), parts[3])


def secure_site(request: Request) -> bool:
    return app_state(request).settings.base_url.startswith("https://")


def set_session(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=SESSION_HOURS * 3600,
        path="/",
        secure=secure_site(request),
        httponly=True,
        samesite="lax",
    )


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path="/", secure=secure_site(request), httponly=True, samesite="lax"
    )


# --- who is signed in ---------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    user_id: uuid.UUID
    workspace_id: uuid.UUID
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class LoginRequired(Exception):
    """Not signed in (or the session ended): go to the sign-in page."""


class AdminOnly(Exception):
    """A member asked for a page only admins may use."""


class CsrfRefused(Exception):
    """A POST without a valid CSRF token, or from another site."""


async def signed_in(request: Request) -> Viewer:
    """The signed-in user, loaded fresh (a short read of its own), else LoginRequired."""
    claim = read_cookie(request.cookies.get(COOKIE))
    if claim is None:
        raise LoginRequired()
    state = app_state(request)
    async with state.sessionmaker() as db:
        user = await workspaces.active_user(db, claim.user_id)
    if user is None or not claim.valid_for(
        state.settings.secret_key, workspaces.login_fingerprint(user), time.time()
    ):
        raise LoginRequired()
    viewer = Viewer(user.id, user.workspace_id, user.email, user.role)
    request.state.viewer = viewer
    return viewer


async def admin(viewer: Annotated[Viewer, Depends(signed_in)]) -> Viewer:
    if not viewer.is_admin:
        raise AdminOnly()
    return viewer


SignedIn = Annotated[Viewer, Depends(signed_in)]
Admin = Annotated[Viewer, Depends(admin)]


# --- forms --------------------------------------------------------------------------------


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_site(request: Request) -> bool:
    """False when the browser says the request came from another site."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # older browsers; the CSRF token still has to match
    if origin == "null":  # an opaque origin: only when the browser vouches for it
        return fetch_site == "same-origin"
    allowed = {_origin(app_state(request).settings.base_url), _origin(str(request.base_url))}
    return origin.lower().rstrip("/") in allowed


async def read_form(request: Request) -> Form:
    """The urlencoded or multipart body; anything else reads as empty (and so fails CSRF)."""
    return await forms.read_form(request, max_fields=_MAX_FIELDS, max_files=_MAX_FILES)


async def checked_form(request: Request) -> Form:
    """The posted form, once its origin and CSRF token check out; else CsrfRefused."""
    if not same_site(request):
        raise CsrfRefused()
    form = await read_form(request)
    if not csrf.accepts(request, form.first_values(), app_state(request).settings.secret_key):
        raise CsrfRefused()
    return form


PostedForm = Annotated[Form, Depends(checked_form)]


def field_errors(exc: ValidationError, names: Mapping[str, str] | None = None) -> dict[str, str]:
    """Pydantic errors keyed by form field: the location joined with `-` (`dims-0-weight`),
    renamed through `names` (API name → form name) for the first segment."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        location = [str(part) for part in error["loc"]]
        if location and names and location[0] in names:
            location[0] = names[location[0]]
        key = "-".join(location) or "__all__"
        message = str(error["msg"]).removeprefix("Value error, ")
        errors.setdefault(key, message[:1].upper() + message[1:])
    return errors


def issue_errors(exc: AppError, names: Mapping[str, str] | None = None) -> dict[str, str]:
    """A service error's issues keyed by form field (`["body", "url"]` → `url`)."""
    errors: dict[str, str] = {}
    for issue in exc.issues:
        location = [str(part) for part in issue.path if part not in ("body", "query")]
        if location and names and location[0] in names:
            location[0] = names[location[0]]
        message = issue.message[:1].upper() + issue.message[1:]
        errors.setdefault("-".join(location) or "__all__", message)
    if not errors:
        errors["__all__"] = exc.message
    return errors


# --- rendering ----------------------------------------------------------------------------


NOTICES = {
    "profile_created": "Agent profile created.",
    "profile_saved": "Agent profile saved.",
    "profile_forked": "Your copy of the public profile is ready. Edit it as you like.",
    "template_created": "Template created. Add its first stage below.",
    "template_saved": "Template saved.",
    "embed_origins_saved": "Embedding origins saved.",
    "stage_added": "Stage added.",
    "stage_saved": "Stage saved.",
    "problem_added": "Coding problem added.",
    "problem_deleted": "Coding problem deleted.",
    "stage_added_no_interviewer": "Stage added, but it has no interviewer: choose an agent "
    "profile (Edit) so its interviews ask your questions in your interviewer's voice and are "
    "scored on your dimensions.",
    "stage_saved_no_interviewer": "Stage saved, but it has no interviewer: choose an agent "
    "profile so its interviews ask your questions in your interviewer's voice and are scored "
    "on your dimensions.",
    "stage_deleted": "Stage deleted.",
    "participant_added": "Participant added.",
    "approved": "Application approved. The first stage is being scheduled and invited.",
    "rejected": "Application rejected.",
    "advanced": "Advanced to the next stage. Its interview is scheduled and the invite sent.",
    "cancelled": "Session cancelled.",
    "shortlisted": "Added to the shortlist.",
    "settings_saved": "Workspace settings saved. API requests must now name the new slug.",
    "unshortlisted": "Taken off the shortlist.",
    "review_confirmed": "Scorecard confirmed. The stage's automation rule has run on it.",
    "review_adjusted": "Scores adjusted and the scorecard recomputed. The stage's automation "
    "rule has run on it.",
    "manual_review_saved": "Scorecard saved. The stage's automation rule has run on it.",
    "decision_recorded": "Decision recorded. The application is closed and your webhooks "
    "are told (application.decided).",
    "key_revoked": "API key revoked. Requests with it now fail.",
    "endpoint_saved": "Webhook endpoint saved.",
    "endpoint_deleted": "Webhook endpoint deleted. Events no longer go to it.",
    "test_sent": "Test event queued. It appears in the delivery log within seconds.",
    "replayed": "Delivery queued again. The log updates as it is sent.",
    "signed_out": "You are signed out.",
    "user_added": "User added. Give them their email and password; they can sign in now.",
    "role_changed": "Role changed.",
    "user_deactivated": "User deactivated. Their sessions ended and they cannot sign in.",
    "user_reactivated": "User reactivated. They can sign in with their password again.",
    "sessions_ended": "Signed out everywhere: every session of that user has ended.",
}


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    viewer: Viewer | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A dashboard page, with the CSRF token its forms need (cookie set when new)."""
    secret = app_state(request).settings.secret_key
    issued = csrf.issue(request, secret)
    notice = NOTICES.get(request.query_params.get("notice", ""))
    response = page(
        template,
        {
            "viewer": viewer,
            "csrf_field": csrf.FIELD,
            "csrf_token": issued.token,
            "notice": notice,
            "path": request.url.path,
            "nav": "",
            "page_limit": limit
            if (limit := request.query_params.get("limit", "")).isdigit()
            else "",
            "paged": bool(request.query_params.get("cursor")),
            "values": {},
            "errors": {},
            **context,
        },
        status=status,
        headers=headers,
        scripts=True,
        media=_origin(app_state(request).settings.base_url),
    )
    # Same-origin referrers, so that browsers send a real `Origin` on form posts.
    response.headers["Referrer-Policy"] = "same-origin"
    issued.set_cookie(response, secure=secure_site(request))
    return response


def redirect(path: str, notice: str | None = None) -> RedirectResponse:
    if notice is not None:
        base, hash_mark, fragment = path.partition("#")
        path = f"{base}{'&' if '?' in base else '?'}notice={notice}{hash_mark}{fragment}"
    return RedirectResponse(path, status_code=303)


def _problem(request: Request, status: int, title: str, text: str) -> Response:
    viewer = getattr(request.state, "viewer", None)
    return render(
        request,
        "dashboard/problem.html",
        {"title": title, "text": text, "status": status},
        viewer=viewer if isinstance(viewer, Viewer) else None,
        status=status,
    )


class DashRoute(APIRoute):
    """Turns what a handler did not handle into pages: sign-in redirects, 403, 404, 409,
    503 when the database is unreachable, 500 otherwise (never JSON, never a trace)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                target = request.url.path
                if request.url.query and request.method == "GET":
                    target += "?" + request.url.query
                response = RedirectResponse(
                    f"{PREFIX}/login?next={quote(target, safe='')}", status_code=303
                )
                if request.cookies.get(COOKIE):
                    clear_session(response, request)
                return response
            except AdminOnly:
                return _problem(
                    request,
                    403,
                    "Admins only",
                    "API keys and webhooks are managed by workspace admins. Ask an admin if "
                    "you need a key or an endpoint.",
                )
            except CsrfRefused:
                return _problem(
                    request,
                    403,
                    "This form could not be accepted",
                    "The form was missing its security token or came from another site. Go "
                    "back, reload the page and submit it again.",
                )
            except AppError as exc:
                titles = {404: "Not found", 409: "That cannot be done now"}
                return _problem(
                    request, exc.status, titles.get(exc.status, "Something is not right"), str(exc)
                )
            except Exception as exc:
                if database_unavailable(exc):
                    log.warning("dashboard: database unavailable: %s", exc)
                    return _problem(
                        request,
                        503,
                        "The database is not reachable",
                        "vivavoce cannot reach its database right now. Try again in a moment.",
                    )
                log.exception("dashboard page failed", exc_info=exc)
                return _problem(
                    request,
                    500,
                    "Something went wrong",
                    "The page failed. The error has been logged; try again.",
                )

        return guarded
