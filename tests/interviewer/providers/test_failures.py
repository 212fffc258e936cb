"""Errors are typed by what the server said, not by their status code alone."""

from __future__ import annotations

import pytest

from vivavoce.interviewer.providers.failures import (
    FailureKind,
    ProviderRefused,
    ProviderUnavailable,
    from_parts,
    kind_of,
)


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        # llama-cpp-python: an unsupported response format is a 500
        (500, "Input should be 'text' or 'json_object'", FailureKind.UNSUPPORTED),
        (400, "'response_format.type' must be 'json_schema' or 'text'", FailureKind.UNSUPPORTED),
        (
            400,
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            FailureKind.UNSUPPORTED,
        ),
        (
            400,
            "litellm.UnsupportedParamsError: does not support parameters",
            FailureKind.UNSUPPORTED,
        ),
        # a context overflow is not a refused schema, whatever else the message says
        (
            400,
            "This model's maximum context length is 4096 tokens. However, you requested 5000 "
            "tokens (4800 in the messages, 200 in the completion).",
            FailureKind.CONTEXT_OVERFLOW,
        ),
        (400, "the request exceeds the available context size", FailureKind.CONTEXT_OVERFLOW),
        (
            500,
            "Requested tokens (5000) exceed context window of 4096",
            FailureKind.CONTEXT_OVERFLOW,
        ),
        (
            429,
            "Rate limit reached for gpt-4o-mini. Please try again in 1s.",
            FailureKind.RATE_LIMITED,
        ),
        # ... but an exhausted quota will not pass by waiting
        (429, "You exceeded your current quota, please check your plan", FailureKind.REFUSED),
        (529, "Overloaded", FailureKind.OVERLOADED),
        (503, "Service Unavailable", FailureKind.OVERLOADED),
        (500, "internal error", FailureKind.OUTAGE),
        (502, "", FailureKind.OUTAGE),
        (401, "Incorrect API key provided", FailureKind.REFUSED),
        (404, "model 'llama3' not found, try pulling it first", FailureKind.REFUSED),
        (400, "messages: field required", FailureKind.REFUSED),
    ],
)
def test_the_message_decides_the_kind(status: int, message: str, kind: FailureKind) -> None:
    assert kind_of(status, message) is kind


def test_transient_failures_are_unavailable_and_the_rest_refused() -> None:
    outage = from_parts(503, "Service Unavailable")
    assert type(outage) is ProviderUnavailable and outage.kind is FailureKind.OVERLOADED
    overflow = from_parts(400, "maximum context length is 4096 tokens")
    assert isinstance(overflow, ProviderRefused) and overflow.kind is FailureKind.CONTEXT_OVERFLOW
    assert "context window" in str(overflow) and "HTTP 400" in str(overflow)
    unreachable = from_parts(None, "", transport="connection failed")
    assert type(unreachable) is ProviderUnavailable
    assert str(unreachable) == "the LLM provider is unavailable (connection failed)"
