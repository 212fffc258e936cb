"""CSRF protection for every form (dashboard and apply page): a visitor cookie and a form
token bound to it and to the dashboard sign-in.

The visitor cookie `vv_csrf` is `nonce.signature` (the nonce signed with the secret key's
"csrf-visitor" purpose key), HttpOnly and SameSite=Lax. The hidden form field holds a token
derived from that nonce *and* the browser's dashboard sign-in cookie (empty when signed
out) under the "csrf" purpose key. A POST is accepted only when the visitor cookie's
signature checks out and the field is the token of that visitor and that sign-in. Another
site can make a browser send the cookies but cannot read them to compute the field; a token
copied from one visitor, or from before a sign-in or sign-out, does not work for another.

What the signature does not stop: a sibling domain that can set cookies for this site could
plant a genuine visitor cookie it obtained itself, together with its matching token. On the
dashboard that still fails, because the token is also bound to the victim's sign-in cookie,
which the planter can neither read nor choose; on the signed-out apply page it would let the
planter submit an application from the victim's browser, which it could equally submit
itself. The dashboard also refuses any post whose Origin or Sec-Fetch-Site names another
site (`web.dashboard.common.same_site`).
Tokens are signed with the newest secret and checked against every listed one. No
server-side state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from vivavoce.kit import crypto

COOKIE = "vv_csrf"
LOGIN_COOKIE = "vv_dash"  # the dashboard's sign-in cookie, to which form tokens are bound
FIELD = "csrf_token"
MAX_AGE = 12 * 3600
_VISITOR = "csrf-visitor"
_FORM = "csrf"


@dataclass(frozen=True)
class Issued:
    """The token for a page's forms, and the visitor cookie to set when it is new."""

    token: str
    new_cookie: str | None

    def set_cookie(self, response: Response, *, secure: bool) -> None:
        if self.new_cookie is not None:
            response.set_cookie(
                COOKIE,
                self.new_cookie,
                max_age=MAX_AGE,
                path="/",
                secure=secure,
                httponly=True,
                samesite="lax",
            )


def _visitor(secret_key: str, cookie: str | None) -> str | None:
    """The nonce of a genuine visitor cookie, else None."""
    if not cookie or len(cookie) > 200:
        return None
    nonce, dot, signature = cookie.partition(".")
    if not dot or not nonce:
        return None
    return nonce if crypto.token_matches(secret_key, _VISITOR, nonce, signature, 16) else None


def _binding(request: Request, nonce: str) -> str:
    login = request.cookies.get(LOGIN_COOKIE, "")
    return f"{nonce}:{crypto.digest(login) if login else ''}"


def issue(request: Request, secret_key: str) -> Issued:
    """The form token for this visitor and sign-in: the browser's visitor cookie when it
    holds a genuine one (several tabs keep working), else a new one to set."""
    cookie = request.cookies.get(COOKIE)
    nonce = _visitor(secret_key, cookie)
    new_cookie = None
    if nonce is None:
        nonce = crypto.random_token(18)
        new_cookie = f"{nonce}.{crypto.derive_token(secret_key, _VISITOR, nonce, 16)}"
    token = crypto.derive_token(secret_key, _FORM, _binding(request, nonce))
    return Issued(token=token, new_cookie=new_cookie)


def accepts(request: Request, form: Mapping[str, str], secret_key: str) -> bool:
    nonce = _visitor(secret_key, request.cookies.get(COOKIE))
    field = form.get(FIELD)
    if nonce is None or not field or len(field) > 200:
        return False
    return crypto.token_matches(secret_key, _FORM, _binding(request, nonce), field)
