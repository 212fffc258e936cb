"""Participant bodies. Field names follow the public docs (snake_case; `profile` keys in
camelCase as documented)."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import Participant

Status = Literal["active", "archived"]
MAX_BULK = 500
MAX_METADATA_BYTES = 16_384


def _check_email(value: str) -> str:
    """Validated as pydantic's EmailStr does, but kept exactly as given (no case folding)."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None
    return value


def _unique_tags(value: list[str] | None) -> list[str] | None:
    return None if value is None else list(dict.fromkeys(value))


def _check_metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if len(value) > 50:
        raise ValueError("metadata holds at most 50 keys")
    if any(len(key) > 100 for key in value):
        raise ValueError("metadata keys are at most 100 characters")
    if len(json.dumps(value, separators=(",", ":"))) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata is at most {MAX_METADATA_BYTES} bytes as JSON")
    return value


def _no_nulls(model: BaseModel, names: tuple[str, ...]) -> None:
    for name in names:
        if name in model.model_fields_set and getattr(model, name) is None:
            raise ValueError(f"{name} cannot be null")


Email = Annotated[
    str,
    Field(min_length=3, max_length=320, json_schema_extra={"format": "email"}),
    AfterValidator(_check_email),
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
ExternalId = Annotated[str, Field(min_length=1, max_length=255)]
Phone = Annotated[
    str,
    Field(
        min_length=3,
        max_length=64,
        pattern=r"^\+?[0-9][0-9 ().\-/]*(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?$",
    ),
]
Url = Annotated[str, Field(max_length=2000, pattern=r"^https?://[^\s]+$")]
Tag = Annotated[str, Field(min_length=1, max_length=64)]
Tags = Annotated[list[Tag], Field(max_length=50), AfterValidator(_unique_tags)]
Label = Annotated[str, Field(min_length=1, max_length=100)]
Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]
AccountSlug = Annotated[str | None, Field(default=None, max_length=63)]


class ParticipantProfile(StrictModel):
    title: Text200 | None = None
    organization: Text200 | None = None
    experienceLevel: Annotated[str | None, Field(max_length=100)] = None
    location: Text200 | None = None


class Background(StrictModel):
    skills: Annotated[list[Label], Field(max_length=50)] = Field(default_factory=list)
    education: Annotated[str | None, Field(max_length=2000)] = None
    languages: Annotated[list[Label], Field(max_length=20)] = Field(default_factory=list)


class ParticipantCreate(StrictModel):
    name: Name
    email: Email
    evaluation_template_id: uuid.UUID | None = None
    external_id: ExternalId | None = Field(
        default=None, description="Your system's id; echoed in every webhook"
    )
    phone: Phone | None = None
    tags: Tags = Field(default_factory=list)
    profile: ParticipantProfile = Field(default_factory=ParticipantProfile)
    background: Background = Field(default_factory=Background)
    resume_url: Url | None = None
    pipeline_id: ExternalId | None = None
    metadata: Metadata = Field(default_factory=dict)
    status: Status = "active"
    accountSlug: AccountSlug = None

    @model_validator(mode="after")
    def _not_null(self) -> ParticipantCreate:
        _no_nulls(self, ("tags", "profile", "background", "metadata", "status"))
        return self


class ParticipantUpdate(StrictModel):
    name: Name | None = None
    email: Email | None = None
    evaluation_template_id: uuid.UUID | None = None
    external_id: ExternalId | None = None
    phone: Phone | None = None
    tags: Tags | None = None
    profile: ParticipantProfile | None = None
    background: Background | None = None
    resume_url: Url | None = None
    pipeline_id: ExternalId | None = None
    metadata: Metadata | None = None
    status: Status | None = None
    accountSlug: AccountSlug = None

    @model_validator(mode="after")
    def _not_null(self) -> ParticipantUpdate:
        _no_nulls(self, ("name", "email", "tags", "profile", "background", "metadata", "status"))
        return self


class BulkCreate(StrictModel):
    participants: Annotated[
        list[ParticipantCreate],
        Field(min_length=1, max_length=MAX_BULK, description=f"1-{MAX_BULK} participants"),
    ]
    evaluation_template_id: uuid.UUID | None = Field(
        default=None, description="Applied to every participant that names no template"
    )
    accountSlug: AccountSlug = None

    @field_validator("participants", mode="before")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        # Refuse an oversized batch before validating each of its items.
        if isinstance(value, list) and len(value) > MAX_BULK:
            raise ValueError(f"at most {MAX_BULK} participants per request (got {len(value)})")
        return value


class ParticipantOut(BaseModel):
    id: str
    name: str
    email: str
    evaluation_template_id: str | None
    external_id: str | None
    phone: str | None
    tags: list[str]
    profile: ParticipantProfile
    background: Background
    resume_url: str | None
    pipeline_id: str | None
    metadata: dict[str, Any]
    status: str
    purged_at: str | None
    created_at: str
    updated_at: str


class SkippedOut(BaseModel):
    index: int = Field(description="Position in the request's `participants`")
    email: str
    reason: Literal["duplicate_in_batch", "already_exists"]
    existing_id: str = Field(description="The participant that already holds this email")


class BulkOut(BaseModel):
    created: list[ParticipantOut]
    skipped: list[SkippedOut]


def participant_public(participant: Participant) -> dict[str, Any]:
    return {
        "id": str(participant.id),
        "name": participant.name,
        "email": participant.email,
        "evaluation_template_id": str(participant.evaluation_template_id)
        if participant.evaluation_template_id
        else None,
        "external_id": participant.external_id,
        "phone": participant.phone,
        "tags": participant.tags,
        "profile": participant.profile,
        "background": participant.background,
        "resume_url": participant.resume_url,
        "pipeline_id": participant.pipeline_id,
        "metadata": participant.metadata_,
        "status": participant.status,
        "purged_at": isoformat_z(participant.purged_at),
        "created_at": isoformat_z(participant.created_at),
        "updated_at": isoformat_z(participant.updated_at),
    }
