"""Validating a body by hand, for endpoints whose body shape depends on a parameter."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from vivavoce.kit.errors import Issue, Unprocessable

M = TypeVar("M", bound=BaseModel)


def validate_body(model: type[M], body: Any) -> M:
    """`model` from the request body, or a 422 whose issues point into the body."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        issues = [Issue(["body", *error["loc"]], error["msg"]) for error in exc.errors()]
        summary = "; ".join(
            f"{'.'.join(str(p) for p in issue.path)}: {issue.message}" for issue in issues[:3]
        )
        raise Unprocessable(f"Invalid request: {summary}", issues) from None
