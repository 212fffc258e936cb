"""Validating a body by hand, for endpoints whose body shape depends on a parameter."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from vivavoce.kit.errors import Issue, Unprocessable
from vivavoce.kit.schemas import error_message

M = TypeVar("M", bound=BaseModel)


def one_of_body(*model_names: str) -> dict[str, Any]:
    """The OpenAPI request body of an endpoint validating by hand: one of these models."""
    refs = [{"$ref": f"#/components/schemas/{name}"} for name in model_names]
    return {"required": True, "content": {"application/json": {"schema": {"oneOf": refs}}}}


def validate_body(model: type[M], body: Any) -> M:
    """`model` from the request body, or a 422 whose issues point into the body."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        issues = [
            Issue(["body", *error["loc"]], error_message(error, model)) for error in exc.errors()
        ]
        summary = "; ".join(
            f"{'.'.join(str(p) for p in issue.path)}: {issue.message}" for issue in issues[:3]
        )
        raise Unprocessable(f"Invalid request: {summary}", issues) from None
