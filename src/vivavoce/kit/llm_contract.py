"""Reading an LLM's reply as the pydantic model of its contract.

The model (see `vivavoce.interviewer.contract` for the schema it gives) validates the reply;
when it does not validate, the repair request says what pydantic found, field by field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from vivavoce.kit.schemas import error_message

M = TypeVar("M", bound=BaseModel)

# errors named in one repair request: enough to fix the reply, short enough to read
MAX_ERRORS_SHOWN = 3


def reply_problem(error: ValidationError) -> str:
    """What the repair request tells the model about its reply: where and what, the first
    few errors."""
    parts = []
    for item in error.errors()[:MAX_ERRORS_SHOWN]:
        where = ".".join(str(part) for part in item.get("loc", ()))
        message = error_message(item)
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def parse_reply(
    model: type[M], content: str | None, *, context: Mapping[str, Any] | None = None
) -> tuple[M | None, str | None]:
    """A reply's text read as `model`: the reply, or None and why it is not usable. A fenced
    reply (```json … ```, some local models write one) is read inside its fence."""
    if not content:
        return None, "the reply was empty"
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return None, "the reply was not valid JSON"
    return validate_reply(model, data, context=context)


def validate_reply(
    model: type[M], data: object, *, context: Mapping[str, Any] | None = None
) -> tuple[M | None, str | None]:
    """Already-decoded `data` (a tool call's input) read as `model`."""
    if not isinstance(data, dict):
        return None, "the reply must be a JSON object"
    try:
        return model.model_validate(data, context=dict(context or {})), None
    except ValidationError as error:
        return None, reply_problem(error)
