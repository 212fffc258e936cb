"""FastAPI dependencies: the request's transaction and the calling principal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.api.state import app_state
from vivavoce.kit.clock import utcnow
from vivavoce.workspaces import service as workspaces
from vivavoce.workspaces.service import Principal


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response is sent, else rolled back."""
    maker = app_state(request).sessionmaker
    async with maker() as session, session.begin():
        yield session


Db = Annotated[AsyncSession, Depends(get_db, scope="function")]


def presented_key(request: Request) -> str | None:
    return presented_key_from_headers(request.headers)


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


def require(scope: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency granting access to callers whose key holds `scope`."""

    async def dependency(
        request: Request,
        db: Db,
        account_slug: Annotated[
            str | None,
            Query(alias="accountSlug", max_length=63, description="Must name the key's workspace"),
        ] = None,
    ) -> Principal:
        settings = app_state(request).settings
        principal = await workspaces.authenticate_api_key(
            db, presented_key(request), utcnow(), timedelta(seconds=settings.api_key_touch_seconds)
        )
        principal.require(scope)
        await workspaces.check_account_slug(db, principal, account_slug)
        request.state.principal = principal
        return principal

    return dependency
