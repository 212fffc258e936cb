"""Business errors carry their HTTP status and machine code; the app renders them."""

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

    def __str__(self) -> str:
        return self.message


class NotFound(AppError):
    def __init__(self, what: str, code: str = "not_found") -> None:
        super().__init__(f"{what} not found", code=code, status=404)


class Conflict(AppError):
    def __init__(self, message: str, code: str = "conflict", **extra: Any) -> None:
        super().__init__(message, code=code, status=409)
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
