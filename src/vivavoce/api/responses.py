"""Response bodies: `{"data": …}` for one object, `{"data": […], "has_more", "next_cursor"}`,
and `{"success": true, "data": …}` for the changes Intervyo answers with a plain success."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from vivavoce.kit.pagination import Page

T = TypeVar("T")


class One(BaseModel, Generic[T]):
    data: T


class Done(BaseModel, Generic[T]):
    """An update, action or deletion: `success` for clients written against Intervyo's
    `{"success": true}`, `data` (the object after the change) for everyone else."""

    success: Literal[True] = True
    data: T


class Many(BaseModel, Generic[T]):
    data: list[T]
    has_more: bool
    next_cursor: str | None


class ErrorIssue(BaseModel):
    path: list[str | int]
    message: str


class ErrorBody(BaseModel):
    error: str
    code: str
    issues: list[ErrorIssue] = []
    request_id: str | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Bad request"),
        (401, "Missing or invalid API key"),
        (403, "The key lacks a scope, or accountSlug names another workspace"),
        (404, "Not found in this workspace"),
        (409, "Conflicts with the current state"),
        (422, "Malformed input"),
        (429, "Rate limited"),
    )
}


def one(data: dict[str, Any], status: int = 200, location: str | None = None) -> Response:
    headers = {"Location": location} if location else None
    return JSONResponse({"data": data}, status_code=status, headers=headers)


def done(data: dict[str, Any], status: int = 200) -> Response:
    """The answer of an update, action or deletion (see `Done`)."""
    return JSONResponse({"success": True, "data": data}, status_code=status)


def many(page: Page[dict[str, Any]]) -> Response:
    return JSONResponse(
        {"data": page.items, "has_more": page.has_more, "next_cursor": page.next_cursor}
    )


def one_list(data: list[dict[str, Any]]) -> Response:
    """A whole collection that is never paginated (a transcript): `{"data": […]}`."""
    return JSONResponse({"data": data})
