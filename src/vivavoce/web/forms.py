"""The one reader of every web form (dashboard, apply page), and the checks it applies.

Parsing is Starlette's (python-multipart underneath) for both urlencoded and multipart
bodies. Anything else — another content type, a malformed body, more fields than the page
has — reads as an empty form, which then fails the CSRF check: a forged or broken post
changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from vivavoce.kit.errors import Issue, Unprocessable

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass
class Form:
    """A submitted form: every value of every field, and uploaded files by field name."""

    values: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        found = self.values.get(name)
        return found[0] if found else default

    def text(self, name: str) -> str | None:
        """The stripped value, or None when empty or missing."""
        value = self.get(name).strip()
        return value or None

    def all(self, name: str) -> list[str]:
        return list(self.values.get(name, []))

    def checked(self, name: str) -> bool:
        return self.get(name) in ("on", "true", "1", "yes")

    def first_values(self) -> dict[str, str]:
        return {key: values[0] for key, values in self.values.items() if values}


async def read_form(request: Request, *, max_fields: int, max_files: int = 0) -> Form:
    """The posted form, at most `max_fields` fields and `max_files` uploads; refused whole
    (Unprocessable) when a field holds what cannot be stored."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in _FORM_TYPES:
        return Form()
    try:
        posted = await request.form(max_fields=max_fields, max_files=max_files)
    except HTTPException:  # Starlette's 400 for a malformed body or too many parts
        return Form()
    form = Form()
    try:
        for name, value in posted.multi_items():
            if isinstance(value, UploadFile):
                form.files[name] = (value.filename or "", await value.read())
            else:
                form.values.setdefault(name, []).append(value)
    finally:
        await posted.close()
    refuse_unstorable((name, value) for name, values in form.values.items() for value in values)
    return form


class UnstorableForm(Unprocessable):
    """A posted field holds what PostgreSQL cannot store (a NUL character)."""


def refuse_unstorable(pairs: Iterable[tuple[str, str]]) -> None:
    """Unprocessable when a field holds a NUL character: PostgreSQL cannot store one in text,
    and no person types it, so the form is refused whole before anything is written."""
    for name, value in pairs:
        if "\x00" in value or "\x00" in name:
            raise UnstorableForm(
                "The form contains a NUL character, which cannot be stored. "
                "Remove it and submit the form again.",
                [Issue([name], "contains a NUL character")],
            )
