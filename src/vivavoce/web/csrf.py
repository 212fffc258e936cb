"""CSRF protection for the public forms: a signed double-submit token.

The token is `nonce.signature` (HMAC-SHA256 of the nonce under the secret key). It travels
twice: in an HttpOnly, SameSite=Lax cookie and in a hidden form field. A POST is accepted only
when both are present, equal, and the signature checks out. Another site can make a browser
send the cookie but cannot read it to copy it into the form; a cookie planted from a sibling
domain fails the signature, since only the server holds the key. No server-side session."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from vivavoce.kit.crypto import constant_time_equal, random_token

COOKIE = "vv_csrf"
FIELD = "csrf_token"
MAX_AGE = 12 * 3600
_PURPOSE = b"vivavoce-csrf:"


def _signature(secret_key: str, nonce: str) -> str:
    return hmac.new(secret_key.encode(), _PURPOSE + nonce.encode(), hashlib.sha256).hexdigest()


def issue(secret_key: str) -> str:
    nonce = random_token(18)
    return f"{nonce}.{_signature(secret_key, nonce)}"


def is_signed(secret_key: str, token: str | None) -> bool:
    if not token or len(token) > 200:
        return False
    nonce, dot, signature = token.partition(".")
    if not dot or not nonce:
        return False
    return constant_time_equal(signature, _signature(secret_key, nonce))


def token_for(request: Request, secret_key: str) -> tuple[str, bool]:
    """The token to put in a form: the browser's cookie when it holds a valid one (several
    tabs keep working), else a new one. The flag says whether the cookie must be set."""
    current = request.cookies.get(COOKIE)
    if current is not None and is_signed(secret_key, current):
        return current, False
    return issue(secret_key), True


def accepts(request: Request, form: Mapping[str, str], secret_key: str) -> bool:
    cookie = request.cookies.get(COOKIE)
    field = form.get(FIELD)
    if not cookie or not field or not is_signed(secret_key, cookie):
        return False
    return constant_time_equal(cookie, field)


def set_cookie(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=MAX_AGE,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )
