"""The base of every request body: unknown fields refused, text PostgreSQL can store."""

from __future__ import annotations

from typing import Any

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


class StrictModel(BaseModel):
    """A request body: extra fields are an error, strings are stripped, text is storable."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        storable_text(data)
        return data
