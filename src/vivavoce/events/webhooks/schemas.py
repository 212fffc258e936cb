from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from vivavoce.events.schemas import EVENT_TYPES
from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

TEST_EVENT = "webhook.test"
Url = Annotated[str, Field(min_length=1, max_length=2000)]
Description = Annotated[str, Field(max_length=500)]


def _known_events(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    unknown = [event for event in value if event not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"unknown event(s): {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}")
    return list(dict.fromkeys(value))


class EndpointCreate(StrictModel):
    url: Url
    events: Annotated[list[str], Field(max_length=len(EVENT_TYPES))] = Field(
        default_factory=list, description="Event types to receive; empty means all"
    )
    description: Description | None = None
    enabled: bool = True
    accountSlug: str | None = Field(default=None, max_length=63)

    _events = field_validator("events")(_known_events)


class EndpointUpdate(StrictModel):
    url: Url | None = None
    events: Annotated[list[str] | None, Field(max_length=len(EVENT_TYPES))] = None
    description: Description | None = None
    enabled: bool | None = None
    accountSlug: str | None = Field(default=None, max_length=63)

    _events = field_validator("events")(_known_events)


class EndpointOut(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    disabled_at: str | None
    failing_since: str | None
    secret_rotated_until: str | None
    created_at: str
    updated_at: str


class EndpointWithSecretOut(EndpointOut):
    secret: str = Field(description="The signing secret; shown only in this response")


class AttemptOut(BaseModel):
    id: str
    attempted_at: str
    status_code: int | None
    latency_ms: int | None
    response_body: str | None
    error: str | None


class DeliveryOut(BaseModel):
    id: str
    endpoint_id: str
    event_id: str
    event: str
    status: str
    attempts: int
    next_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: str | None
    created_at: str
    attempt_log: list[AttemptOut]


def endpoint_public(endpoint: WebhookEndpoint, secret: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(endpoint.id),
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": isoformat_z(endpoint.disabled_at),
        "failing_since": isoformat_z(endpoint.failing_since),
        "secret_rotated_until": isoformat_z(endpoint.previous_secret_expires_at),
        "created_at": isoformat_z(endpoint.created_at),
        "updated_at": isoformat_z(endpoint.updated_at),
    }
    if secret is not None:
        data["secret"] = secret
    return data


def attempt_public(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "id": str(attempt.id),
        "attempted_at": isoformat_z(attempt.attempted_at),
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "response_body": attempt.response_body,
        "error": attempt.error,
    }


def delivery_public(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    return {
        "id": str(delivery.id),
        "endpoint_id": str(delivery.endpoint_id),
        "event_id": delivery.event_id,
        "event": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": isoformat_z(delivery.next_attempt_at),
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": isoformat_z(delivery.delivered_at),
        "created_at": isoformat_z(delivery.created_at),
        "attempt_log": [attempt_public(a) for a in attempts],
    }
