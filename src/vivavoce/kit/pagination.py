"""Keyset pagination over UUIDv7 ids: newest first, stable under concurrent inserts."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from vivavoce.kit.errors import Issue, Unprocessable

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).rstrip(b"=").decode()


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (binascii.Error, ValueError):
        raise Unprocessable(
            "cursor is not valid", [Issue(["query", "cursor"], "not a cursor returned by this API")]
        ) from None


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    before: uuid.UUID | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_more: bool
    next_cursor: str | None


def page_from_rows(rows: list[T], limit: int, id_of: Callable[[T], uuid.UUID]) -> Page[T]:
    """`rows` were fetched with limit + 1; the extra row tells whether more exist."""
    has_more = len(rows) > limit
    items = rows[:limit]
    cursor = encode_cursor(id_of(items[-1])) if has_more and items else None
    return Page(items=items, has_more=has_more, next_cursor=cursor)
