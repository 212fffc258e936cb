"""Query parameters shared by list endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from vivavoce.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor


async def page_request(  # async: FastAPI runs plain functions in a thread
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Page size, 1-100")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=64, description="`next_cursor` of the previous page")
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, before=decode_cursor(cursor))


Paging = Annotated[PageRequest, Depends(page_request)]
