"""What went wrong with a model server, read from what it said rather than its status code.

Real servers disagree on status codes: llama-cpp-python answers an unsupported
`response_format` with HTTP 500 ("Input should be 'text' or 'json_object'"), vLLM and OpenAI
say "maximum context length" with a 400, OpenAI's 429 is sometimes a rate limit (wait) and
sometimes an exhausted quota (waiting will not help). `classify` reads the message first and
the status second, and returns one of the typed errors below, whose `kind` says which it was.

The typed errors, from the caller's side:

- `ProviderUnavailable` — unreachable, or failing in a way that may pass (outage, rate limit,
  overload): worth trying again later.
- `ProviderRefused` (a `ProviderUnavailable`, so a caller that only knows that one still stops
  cleanly) — the server is up and said no: a parameter it does not support, a prompt longer
  than its context, a wrong key or model name, an exhausted quota. Trying again will not help.
- `StreamInterrupted` — a streamed reply broke off after it had begun.
- `UnusableReply` (a `StreamInterrupted`: the words already streamed must be taken back) —
  the reply arrived but cannot be used: cut short (no finish reason, or `length`), empty,
  over length, or carrying prompt text. It is never stored as a turn.
"""

from __future__ import annotations

import re
from enum import StrEnum

import openai


class FailureKind(StrEnum):
    UNSUPPORTED = "unsupported_parameter"
    CONTEXT_OVERFLOW = "context_overflow"
    RATE_LIMITED = "rate_limited"
    OVERLOADED = "overloaded"
    OUTAGE = "outage"
    REFUSED = "refused"
    UNUSABLE = "unusable_reply"


TRANSIENT = frozenset({FailureKind.RATE_LIMITED, FailureKind.OVERLOADED, FailureKind.OUTAGE})


class ProviderError(RuntimeError):
    """Any failure of the LLM provider; `kind` says which."""

    def __init__(self, message: str, kind: FailureKind, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


class ProviderUnavailable(ProviderError):
    """The LLM provider could not be reached or kept failing after its retries."""

    def __init__(
        self, message: str, kind: FailureKind = FailureKind.OUTAGE, status: int | None = None
    ) -> None:
        super().__init__(message, kind, status)


class ProviderRefused(ProviderUnavailable):
    """The provider is up and refused the request; asking again the same way will not help."""

    def __init__(
        self, message: str, kind: FailureKind = FailureKind.REFUSED, status: int | None = None
    ) -> None:
        super().__init__(message, kind, status)


class StreamInterrupted(ProviderUnavailable):
    """A streamed reply broke after it had begun (the connection dropped, the endpoint sent
    an error event): the words already streamed are incomplete. The live room discards them
    and asks again, with backoff, before it gives up on the provider."""


class UnusableReply(StreamInterrupted):
    """The reply came but must not be used: `reason` is `cut_short`, `empty`, `over_length`
    or `prompt_text`. Whatever was streamed of it is taken back; it is never stored."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"the LLM's reply was unusable ({reason}: {detail})", FailureKind.UNUSABLE)
        self.reason = reason


_CONTEXT = re.compile(
    r"context[ _-]?(length|window|size)|maximum context|exceeds? (the )?(available )?context"
    r"|too many tokens|prompt is too long|input is too long|reduce the length",
    re.IGNORECASE,
)
_QUOTA = re.compile(r"quota|billing|insufficient[ _]funds|credit balance", re.IGNORECASE)
_UNSUPPORTED = re.compile(
    r"unsupported|not supported|does not support|doesn't support|unrecognized|not recogni[sz]ed"
    r"|unknown (field|parameter|argument|name)|extra (inputs|fields) (are )?not permitted"
    r"|input should be|must be one of|must be '|invalid (value|parameter|type)"
    r"|not (allowed|permitted)|response_format|json_schema|tool_choice",
    re.IGNORECASE,
)
_RATE = re.compile(r"rate[ _-]?limit|too many requests", re.IGNORECASE)
_OVERLOAD = re.compile(
    r"overload|busy|capacity|try again later|loading model|model is loading|unavailable",
    re.IGNORECASE,
)
MESSAGE_LIMIT = 160


def kind_of(status: int | None, message: str) -> FailureKind:
    """The failure a status code and an error message describe, the message winning."""
    if _CONTEXT.search(message):
        return FailureKind.CONTEXT_OVERFLOW
    if _QUOTA.search(message):
        return FailureKind.REFUSED
    if status == 429 or _RATE.search(message):
        return FailureKind.RATE_LIMITED
    if status in (401, 403, 404):
        return FailureKind.REFUSED
    if _UNSUPPORTED.search(message):
        return FailureKind.UNSUPPORTED
    if status in (503, 529) or _OVERLOAD.search(message):
        return FailureKind.OVERLOADED
    if status is not None and 400 <= status < 500 and status not in (408, 409):
        return FailureKind.REFUSED
    return FailureKind.OUTAGE


_WORDS = {
    FailureKind.UNSUPPORTED: "a parameter it does not support",
    FailureKind.CONTEXT_OVERFLOW: "the prompt does not fit the model's context window",
    FailureKind.RATE_LIMITED: "rate limited",
    FailureKind.OVERLOADED: "overloaded",
    FailureKind.OUTAGE: "unavailable",
    FailureKind.REFUSED: "refused the request",
}


def from_parts(status: int | None, message: str, transport: str | None = None) -> ProviderError:
    """The typed error for a failed call: `transport` ("timed out", "connection failed")
    when no answer came, else the status and the server's message."""
    if transport is not None:
        return ProviderUnavailable(f"the LLM provider is unavailable ({transport})")
    kind = kind_of(status, message)
    said = " ".join(message.split())[:MESSAGE_LIMIT]
    detail = f"HTTP {status}" + (f": {said}" if said else "")
    if kind in TRANSIENT:
        return ProviderUnavailable(
            f"the LLM provider is {_WORDS[kind]} ({detail})", kind=kind, status=status
        )
    return ProviderRefused(
        f"the LLM provider refused the request, {_WORDS[kind]} ({detail})", kind=kind, status=status
    )


def classify(error: openai.OpenAIError) -> ProviderError:
    """The typed error for an `openai` SDK error."""
    if isinstance(error, openai.APIStatusError):
        return from_parts(error.status_code, _message(error))
    if isinstance(error, openai.APITimeoutError):
        return from_parts(None, "", transport="timed out")
    if isinstance(error, openai.APIConnectionError):
        return from_parts(None, "", transport="connection failed")
    return from_parts(None, "", transport=type(error).__name__)


def _message(error: openai.APIStatusError) -> str:
    """The server's own words: `error.message` of an OpenAI-shaped body, `detail` of a
    FastAPI-shaped one (llama-cpp-python), else the SDK's message."""
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
        if "detail" in body:
            return str(body["detail"])
    return str(error.message)
