"""FastAPI dependencies: the request's transaction and the calling principal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.api.state import AppState, app_state
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import StatementPool, unit_of_work
from vivavoce.kit.errors import Issue, Unprocessable
from vivavoce.workspaces import service as workspaces
from vivavoce.workspaces.service import Principal


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response is sent, else rolled back."""
    async with unit_of_work(app_state(request).sessionmaker) as session:
        yield session


Db = Annotated[AsyncSession, Depends(get_db, scope="function")]


async def get_reads(request: Request) -> StatementPool:
    """Single-statement reads outside any transaction, for hot read-only endpoints."""
    return app_state(request).reads


Reads = Annotated[StatementPool, Depends(get_reads)]


def presented_key_from_headers(headers: Mapping[str, str]) -> str | None:
    """The API key from `x-api-key`, or from `Authorization: Bearer …`."""
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return None


async def api_principal(state: AppState, secret: str | None) -> Principal:
    """The principal behind a presented API key, as every API edge (the dependency, the
    fast reads and writes) authenticates it: from the key cache, else one statement; 401
    for a missing, unknown or revoked key."""
    touch_after = timedelta(seconds=state.settings.api_key_touch_seconds)
    return await workspaces.authenticate(state.reads, state.keys, secret, utcnow(), touch_after)


# Declared so that the OpenAPI document names both ways to present a key, and each operation
# lists the scope it needs (OpenAPI 3.1 allows role names in non-OAuth requirements). Neither
# refuses a request by itself: `require` decides, with one error body for every failure.
API_KEY_HEADER = APIKeyHeader(
    name="x-api-key",
    scheme_name="ApiKey",
    description="A workspace API key, `vv_live_…`",
    auto_error=False,
)
BEARER = HTTPBearer(
    scheme_name="Bearer",
    description="The same API key as `Authorization: Bearer vv_live_…`",
    auto_error=False,
)


async def _body_account_slug(request: Request) -> str | None:
    """`accountSlug` from a JSON object body (SPEC §3: query or body)."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    content_type = request.headers.get("content-type", "")
    if "json" not in content_type.lower():
        return None
    try:
        body = await request.json()  # already parsed (and cached) by FastAPI for body models
    except RecursionError:
        # json.loads gives up on deep nesting (~1,000 levels); that is malformed input too
        raise Unprocessable(
            "Invalid request: the body is nested too deeply",
            [Issue(["body"], "the body is nested too deeply")],
        ) from None
    except ValueError:
        return None
    if isinstance(body, dict):
        slug = body.get("accountSlug")
        if isinstance(slug, str):
            return slug
    return None


def require(*scopes: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency granting access to callers whose key holds any of `scopes` (the first
    is the one named when none is held)."""

    async def dependency(
        request: Request,
        account_slug: Annotated[
            str | None,
            Query(alias="accountSlug", max_length=63, description="Must name the key's workspace"),
        ] = None,
        # Defaults, not `Annotated`: string annotations cannot see this closure's `scopes`.
        header_key: str | None = Security(API_KEY_HEADER, scopes=list(scopes)),
        bearer: HTTPAuthorizationCredentials | None = Security(BEARER, scopes=list(scopes)),
    ) -> Principal:
        state = app_state(request)
        secret = header_key.strip() if header_key else None
        if not secret and bearer is not None:
            secret = bearer.credentials.strip()
        principal = await api_principal(state, secret)
        principal.require(*scopes)
        if account_slug is None:
            account_slug = await _body_account_slug(request)
        workspaces.check_principal_account(principal, account_slug)
        request.state.principal = principal
        return principal

    return dependency
