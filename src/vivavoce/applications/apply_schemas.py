"""What a candidate types into the public apply page, checked field by field with messages
written for people (the page shows each next to its field)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from vivavoce.participants.schemas import Email, Name, Phone, Url

FIELDS = ("name", "email", "phone", "resume_url", "consent")

MESSAGES = {
    "name": "Please enter your name (at most 200 characters).",
    "email": "Please enter a valid email address, like name@example.com.",
    "phone": "Please enter a phone number with digits, spaces and + ( ) - only, or leave it empty.",
    "resume_url": "Please enter a link that starts with https:// (or http://), or leave it empty.",
    "consent": "Please tick the box to agree, so that we can process your application.",
}


class ApplyForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    name: Name
    email: Email
    phone: Phone | None = None
    resume_url: Url | None = None
    consent: bool

    @field_validator("name", "email", "phone", "resume_url", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("NUL characters are not allowed")
            value = value.strip()
        return value

    @field_validator("phone", "resume_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("consent", mode="before")
    @classmethod
    def _ticked(cls, value: Any) -> bool:
        if value not in (True, "on", "yes", "true", "1"):
            raise ValueError("consent is required")
        return True


@dataclass(frozen=True)
class FormCheck:
    """A valid form, or one message per field that needs fixing."""

    form: ApplyForm | None
    errors: dict[str, str] = field(default_factory=dict)


def check_form(values: Mapping[str, str]) -> FormCheck:
    data: dict[str, Any] = {name: values.get(name, "") for name in FIELDS}
    try:
        return FormCheck(ApplyForm.model_validate(data))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            location = error.get("loc", ())
            name = str(location[0]) if location else ""
            if name in MESSAGES and name not in errors:
                errors[name] = MESSAGES[name]
        return FormCheck(None, errors or {"name": MESSAGES["name"]})
