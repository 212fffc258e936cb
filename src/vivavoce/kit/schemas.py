"""The base of every request body: unknown fields refused, text PostgreSQL can store."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, model_validator


def storable_text(value: Any, path: str = "") -> None:
    """PostgreSQL text and JSONB hold neither NUL characters nor unpaired surrogates; refuse
    them up front (a 422 naming the field) instead of failing at INSERT time."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{path or 'text'}: NUL (\\u0000) characters are not allowed")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{path or 'text'}: not valid Unicode (unpaired surrogate)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            storable_text(key, path)
            storable_text(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            storable_text(item, f"{path}[{index}]")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds (`X`, `X | None`, `list[X]`, `Annotated[X, …]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def expected_name(model: type[BaseModel] | None, location: Sequence[str | int]) -> str | None:
    """For an unknown field at `location` (inside `model`): the field it names in the other
    convention (`use_case` for `useCase`, `evaluationTemplateId` for
    `evaluation_template_id`), or None."""
    *parents, sent = location
    for part in parents:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = None if field is None else _model_in(field.annotation)
    if model is None or not isinstance(sent, str):
        return None
    for candidate in (_camel(sent), _snake(sent)):
        if candidate != sent and candidate in model.model_fields:
            return candidate
    return None


class StrictModel(BaseModel):
    """A request body: extra fields are an error, strings are stripped, text is storable."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        storable_text(data)
        return data


_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")
_PLAIN_MESSAGES = {"extra_forbidden": "unknown field", "missing": "required field is missing"}


def error_message(error: Mapping[str, Any], model: type[BaseModel] | None = None) -> str:
    """A pydantic error's message as a person reads it: no `Value error, ` prefix, plain
    words for an unknown or missing field, and for a field sent in the wrong convention to
    `model` (snake_case to a camelCase object, or the reverse) the name it expects."""
    if error.get("type") == "extra_forbidden":
        expected = expected_name(model, list(error.get("loc", ())))
        if expected is not None:
            style = "camelCase" if expected != _snake(expected) else "snake_case"
            return f"unknown field; this object's fields are {style}: send `{expected}`"
    plain = _PLAIN_MESSAGES.get(str(error.get("type")))
    if plain is not None:
        return plain
    message = str(error.get("msg", "invalid value"))
    for prefix in _PYDANTIC_PREFIXES:
        message = message.removeprefix(prefix)
    return message
