"""Every error leaves as `{"error", "code", "issues", "request_id"}`; never a trace."""

from __future__ import annotations

import logging
import socket
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from vivavoce.kit.errors import AppError
from vivavoce.kit.schemas import error_message

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}

# Raised, unwrapped by SQLAlchemy, when a pool cannot open a connection: the server is down,
# unreachable, starting or full — or, for PoolTimeout, every pooled connection stayed busy for
# the pool's timeout (an overloaded process; the soak found these as 500s). The client should
# retry, not see a 500.
CONNECT_ERRORS: tuple[type[Exception], ...] = (
    PoolTimeout,
    ConnectionError,
    socket.gaierror,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
)


# SQLSTATE classes that say the server went away or will not serve, not that a query was bad:
# 08 connection exception, 57 operator intervention (57P01 admin shutdown — "the database system
# is shutting down" —, 57P02 crash shutdown, 57P03 cannot connect now), 53300 too many clients.
_UNAVAILABLE_SQLSTATES = ("08", "57", "53300")


def _sqlstate(exc: BaseException | None) -> str:
    """The SQLSTATE of a driver error, looking through SQLAlchemy's and the adapter's wrapping."""
    orig = getattr(exc, "orig", None)
    for candidate in (exc, orig, getattr(orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str) and state:
            return state
    return ""


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached (answer 503), not that a query failed."""
    if isinstance(exc, (*CONNECT_ERRORS, OperationalError)):
        return True
    if isinstance(exc, (DBAPIError, asyncpg.PostgresError)) and _sqlstate(exc).startswith(
        _UNAVAILABLE_SQLSTATES
    ):
        return True
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc.orig, OSError)
    )


def unavailable_body(request_id: str | None) -> dict[str, Any]:
    return {
        "error": "The database is unavailable; retry shortly",
        "code": "unavailable",
        "issues": [],
        "request_id": request_id,
    }


_NUL = "text must not contain NUL (\\u0000) characters"
_DATA_EXCEPTIONS = {
    "22P05": _NUL,  # untranslatable_character (a \u0000 escape in JSON)
    "22021": _NUL,  # character_not_in_repertoire (a NUL byte in text)
    "22003": "a number is out of range",
    "22008": "a date or time is out of range",
}


def error_response(
    request: Request,
    status: int,
    message: str,
    code: str,
    issues: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "error": message,
        "code": code,
        "issues": issues or [],
        "request_id": getattr(request.state, "request_id", None),
    }
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers)


def _json_error(error: dict[str, Any], body: str) -> dict[str, Any]:
    """A JSON syntax error with the line and column it is at (FastAPI reports the offset)."""
    location = list(error.get("loc", ()))
    offset = location[1] if len(location) > 1 and isinstance(location[1], int) else None
    reason = str((error.get("ctx") or {}).get("error") or "invalid syntax")
    if offset is None:
        return {"path": ["body"], "message": f"the body is not valid JSON: {reason}"}
    line = body.count("\n", 0, offset) + 1
    column = offset - (body.rfind("\n", 0, offset) + 1) + 1
    return {
        "path": ["body"],
        "message": f"the body is not valid JSON: {reason} at line {line}, column {column}",
    }


def _not_json(request: Request, body: str) -> list[dict[str, Any]] | None:
    """One clear issue when a body came without a JSON content type (FastAPI then does not
    parse it and reports a missing or mistyped body instead)."""
    content_type = request.headers.get("content-type", "")
    if not body or "json" in content_type.lower():
        return None
    sent = f"`{content_type}`" if content_type else "none"
    message = f"send the body as JSON with `content-type: application/json` (content-type: {sent})"
    return [{"path": ["body"], "message": message}]


def _sent_body(exc: RequestValidationError) -> str:
    """The body as FastAPI read it (the request stream is consumed by now); JSON offsets
    count characters of this text."""
    body = exc.body
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        return body
    return "" if body is None else "?"


def _body_model(request: Request) -> type[BaseModel] | None:
    """The model the matched route validates its body with, if one."""
    route = request.scope.get("route")
    field = getattr(route, "body_field", None) if isinstance(route, APIRoute) else None
    annotation = getattr(getattr(field, "field_info", None), "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _validation_issues(
    request: Request, exc: RequestValidationError, body: str
) -> list[dict[str, Any]]:
    model = _body_model(request)
    issues = []
    for error in exc.errors():
        location = list(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            issues.append(_json_error(error, body))
            continue
        in_body = location[:1] == ["body"]
        message = error_message(
            {**error, "loc": location[1:]} if in_body else error, model if in_body else None
        )
        issues.append({"path": location, "message": message})
    return issues


def _body_issues(request: Request, exc: RequestValidationError, body: str) -> list[dict[str, Any]]:
    body_errors = [e for e in exc.errors() if tuple(e.get("loc", ()))[:1] == ("body",)]
    if body_errors:
        not_json = _not_json(request, body)
        if not_json is not None:
            return not_json
    return _validation_issues(request, exc, body)


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        extra = getattr(exc, "details", None) or None
        return error_response(
            request,
            exc.status,
            exc.message,
            exc.code,
            [issue.as_dict() for issue in exc.issues],
            exc.headers or None,
            extra,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        issues = _body_issues(request, exc, _sent_body(exc))
        summary = "; ".join(
            f"{'.'.join(str(p) for p in i['path']) or 'body'}: {i['message']}" for i in issues[:3]
        )
        return error_response(request, 422, f"Invalid request: {summary}", "invalid", issues)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400 and exc.__cause__ is not None:
            # FastAPI's body parsing turns anything but a JSONDecodeError (bodies nested too
            # deep, undecodable text) into a bare 400; it is malformed input like the rest.
            return error_response(
                request,
                422,
                "Invalid request: the body is not valid JSON",
                "invalid",
                [{"path": ["body"], "message": "the body is not valid JSON"}],
            )
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = str(exc.detail) if exc.detail else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = "No such endpoint"
        headers = dict(exc.headers) if exc.headers else None
        return error_response(request, exc.status_code, message, code, headers=headers)

    async def database_down(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
        body = unavailable_body(getattr(request.state, "request_id", None))
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

    unavailable: tuple[type[Exception], ...] = (OperationalError, *CONNECT_ERRORS)
    for exception in unavailable:
        app.add_exception_handler(exception, database_down)

    # asyncpg's own errors reach here from the statements sent on the driver itself (the hot
    # paths of ADR 0006), SQLAlchemy's wrapping of them from everything else: answered alike.
    @app.exception_handler(DBAPIError)
    @app.exception_handler(asyncpg.PostgresError)
    async def database_error(request: Request, exc: Exception) -> Response:
        if database_unavailable(exc):
            return await database_down(request, exc)
        sqlstate = _sqlstate(exc)
        if sqlstate.startswith("22"):
            # A data exception: a value PostgreSQL refuses to store or compare (a NUL
            # character in text, a number or date out of range) came in with the request.
            log.warning("input refused by the database: %s", getattr(exc, "orig", exc))
            detail = _DATA_EXCEPTIONS.get(sqlstate, "a value cannot be stored")
            return error_response(
                request,
                422,
                f"Invalid request: {detail}",
                "invalid",
                [{"path": [], "message": detail}],
            )
        log.exception("database error", exc_info=exc)
        return error_response(request, 500, "Internal error", "internal_error")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return error_response(request, 500, "Internal error", "internal_error")
