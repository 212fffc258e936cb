"""Business errors carry their HTTP status and machine code; the app renders them.

They also carry structured fields for the code that catches them — which resource (a snake
case name such as `agent_profile`), which input field, which id — so that no caller has to
read the message text. Those fields are not part of the response body."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    path: Sequence[str | int]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"path": list(self.path), "message": self.message}


@dataclass
class AppError(Exception):
    """An error a client can act on. Subclasses fix the status."""

    message: str
    code: str = "error"
    status: int = 400
    issues: list[Issue] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    resource: str | None = None  # what the error is about: "participant", "agent_profile", …
    field: str | None = None  # the input field at fault, when one is
    id: str | None = None  # the id that was looked for or is in conflict

    def __str__(self) -> str:
        return self.message


def _text_id(value: object) -> str | None:
    return None if value is None else str(value)


class NotFound(AppError):
    """`what` names the resource in words ("agent profile"); `resource` is its snake case
    name, derived from `what` unless given."""

    def __init__(
        self,
        what: str,
        code: str = "not_found",
        *,
        resource: str | None = None,
        field: str | None = None,
        id: object = None,
    ) -> None:
        super().__init__(
            f"{what} not found",
            code=code,
            status=404,
            resource=resource or what.strip().replace(" ", "_"),
            field=field,
            id=_text_id(id),
        )


class Conflict(AppError):
    """`extra` goes to the response body (`details`); the structured fields do not."""

    def __init__(
        self,
        message: str,
        code: str = "conflict",
        *,
        resource: str | None = None,
        field: str | None = None,
        id: object = None,
        **extra: Any,
    ) -> None:
        super().__init__(
            message, code=code, status=409, resource=resource, field=field, id=_text_id(id)
        )
        self.details = extra


class Unprocessable(AppError):
    def __init__(
        self, message: str, issues: list[Issue] | None = None, code: str = "invalid"
    ) -> None:
        super().__init__(message, code=code, status=422, issues=issues or [])


class Unauthorized(AppError):
    def __init__(self, message: str = "A valid API key is required") -> None:
        super().__init__(message, code="unauthorized", status=401)


class Forbidden(AppError):
    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(message, code=code, status=403)


class TooManyRequests(AppError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Rate limit exceeded; retry later",
            code="rate_limited",
            status=429,
            headers={"Retry-After": str(retry_after)},
        )
