"""Checks shared by every form reader of the web pages."""

from __future__ import annotations

from collections.abc import Iterable

from vivavoce.kit.errors import Issue, Unprocessable


def refuse_unstorable(pairs: Iterable[tuple[str, str]]) -> None:
    """Unprocessable when a field holds a NUL character: PostgreSQL cannot store one in text,
    and no person types it, so the form is refused whole before anything is written."""
    for name, value in pairs:
        if "\x00" in value or "\x00" in name:
            raise Unprocessable(
                "The form contains a NUL character, which cannot be stored. "
                "Remove it and submit the form again.",
                [Issue([name], "contains a NUL character")],
            )
