"""Query parameters shared by list endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from vivavoce.kit.errors import Issue, Unprocessable
from vivavoce.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor

_PAGING_HINT = (
    "this API pages with `limit` (1-100) and `cursor` (the `next_cursor` of the previous page)"
)


def _query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters the route declares, its dependencies' included (computed once)."""
    names: frozenset[str] | None = getattr(route, "_vivavoce_query_names", None)
    if names is None:
        found: set[str] = set()
        pending: list[Dependant] = [route.dependant]
        while pending:
            dependant = pending.pop()
            found.update(param.alias for param in dependant.query_params)
            pending.extend(dependant.dependencies)
        names = frozenset(found)
        route._vivavoce_query_names = names  # type: ignore[attr-defined]
    return names


def reject_unknown_query(request: Request) -> None:
    """A 422 naming every query parameter the endpoint does not know: a client paging with
    `page`/`offset` would otherwise read the first page again and again."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _query_names(route)
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in known]
    if not unknown:
        return
    names = ", ".join(f"`{name}`" for name in unknown)
    raise Unprocessable(
        f"unknown query parameter {names}; {_PAGING_HINT}",
        [
            Issue(["query", name], f"unknown parameter; known: {', '.join(sorted(known))}")
            for name in unknown
        ],
    )


async def page_request(  # async: FastAPI runs plain functions in a thread
    request: Request,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Page size, 1-100")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=64, description="`next_cursor` of the previous page")
    ] = None,
) -> PageRequest:
    reject_unknown_query(request)
    return PageRequest(limit=limit, before=decode_cursor(cursor))


Paging = Annotated[PageRequest, Depends(page_request)]
KnownQuery = Depends(reject_unknown_query)
