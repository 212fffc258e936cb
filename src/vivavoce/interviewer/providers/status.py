"""The LLM provider's state in one place, for `/readyz` and the dashboard's provider line:
whether one is configured, whether it answers (`readiness`: one `GET /models` at most every
30 s), what discovery found on this process's endpoint, and the kind of its latest failure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vivavoce.config import Settings
from vivavoce.interviewer import providers
from vivavoce.interviewer.providers.endpoint import EndpointConfig, known_endpoint


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    configured: bool
    provider: str  # the configured provider in words, no secrets
    state: str  # offline | ok | unreachable
    detail: str
    capabilities: str | None = None  # None: no request has been made in this process yet
    last_error: str | None = None  # a `FailureKind` value
    last_error_detail: str | None = None
    last_error_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "detail": self.detail,
            "capabilities": self.capabilities,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
        }


async def provider_status(settings: Settings, now: float) -> ProviderStatus:
    """The provider's state now (`now`: a monotonic clock, as `providers.readiness` takes)."""
    state, detail = await providers.readiness(settings, now)
    configured = providers.kind(settings) != "offline"
    endpoint = None
    if providers.kind(settings) == "openai" and settings.llm_base_url:
        config = EndpointConfig.from_settings(settings)
        endpoint = known_endpoint(settings.llm_base_url, settings.llm_model, config)
    failure = endpoint.last_failure if endpoint is not None else None
    return ProviderStatus(
        configured=configured,
        provider=providers.describe(settings),
        state=state,
        detail=detail,
        capabilities=(endpoint.describe() or None) if endpoint is not None else None,
        last_error=failure.kind.value if failure is not None else None,
        last_error_detail=str(failure)[:300] if failure is not None else None,
        last_error_at=endpoint.last_failure_at if endpoint is not None else None,
    )
