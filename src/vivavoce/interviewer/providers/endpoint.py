"""One model endpoint as this process knows it: which server it is, what structured output it
takes, how long its context is, and the gate every request to it passes.

Discovery happens on first use (or at `serve` start-up and in `vivavoce doctor`) and is kept
for the life of the process: `GET /models` tells the server (`profiles.detect`, unless
`VIVAVOCE_LLM_SERVER` names it) and, on vLLM, the context length; then a small probe — a
one-field JSON reply of at most a few tokens, no retries — tries the profile's structured
output modes in order and keeps the first that answers with JSON (`VIVAVOCE_LLM_STRUCTURED_OUTPUT`
skips the probe). A mode refused later by a real request is dropped for the next one.

Every voice, judge, answerer and scorer on the same endpoint and configuration in one event
loop shares one `Endpoint` (`endpoint_for`), so they share its gate: in `vivavoce serve`, the
worker's scoring waits behind the live rooms.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import openai
from openai import AsyncOpenAI

from vivavoce.config import Settings
from vivavoce.interviewer.providers.budget import ensure_fits
from vivavoce.interviewer.providers.failures import (
    TRANSIENT,
    FailureKind,
    ProviderError,
    classify,
)
from vivavoce.interviewer.providers.gate import PriorityGate
from vivavoce.interviewer.providers.profiles import (
    MODE_WORDS,
    PROFILES,
    ServerProfile,
    StructuredMode,
    detect,
)
from vivavoce.kit.clock import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

PROBE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}
PROBE_MESSAGES: list[dict[str, str]] = [
    {"role": "system", "content": 'You reply with JSON only: exactly {"ok": true}'},
    {"role": "user", "content": 'Reply with {"ok": true}'},
]
PROBE_MAX_TOKENS = 24


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """What the settings say about the endpoint; `auto`/None: discover it."""

    server: str = "auto"
    structured: str = "auto"
    context_tokens: int | None = None
    concurrency: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> EndpointConfig:
        return cls(
            server=settings.llm_server,
            structured=settings.llm_structured_output,
            context_tokens=settings.llm_context_tokens,
            concurrency=settings.llm_concurrency,
        )


@dataclass(frozen=True, slots=True)
class Discovery:
    profile: ServerProfile
    how: str  # why this profile: "VIVAVOCE_LLM_SERVER", "owned_by='vllm'", …
    context_tokens: int
    models: tuple[str, ...] | None  # None: the endpoint did not list its models


def structured_arguments(mode: StructuredMode, schema: dict[str, Any], name: str) -> dict[str, Any]:
    """The request parameters that ask for `schema` in `mode`."""
    if mode is StructuredMode.JSON_SCHEMA:
        spec = {"name": name, "schema": schema, "strict": False}
        return {"response_format": {"type": "json_schema", "json_schema": spec}}
    if mode is StructuredMode.JSON_OBJECT_SCHEMA:
        return {"response_format": {"type": "json_object", "schema": schema}}
    if mode is StructuredMode.JSON_OBJECT:
        return {"response_format": {"type": "json_object"}}
    if mode is StructuredMode.TOOLS:
        function = {"name": name, "description": "Record the result.", "parameters": schema}
        return {
            "tools": [{"type": "function", "function": function}],
            "tool_choice": {"type": "function", "function": {"name": name}},
        }
    return {}


def structured_content(reply: Any, mode: StructuredMode) -> str | None:
    """The JSON text of a reply: the forced tool call's arguments, else the message."""
    if not reply.choices:
        return None
    message = reply.choices[0].message
    if mode is StructuredMode.TOOLS and message.tool_calls:
        arguments: str = message.tool_calls[0].function.arguments
        return arguments
    content: str | None = message.content
    return content


def _is_json_object(text: str | None) -> bool:
    try:
        return isinstance(json.loads((text or "").strip().strip("`").removeprefix("json")), dict)
    except ValueError:
        return False


@dataclass
class Endpoint:
    base_url: str
    model: str
    config: EndpointConfig = field(default_factory=EndpointConfig)
    gate: PriorityGate = field(default_factory=lambda: PriorityGate(1))
    discovery: Discovery | None = None
    mode: StructuredMode | None = None
    tried: list[tuple[StructuredMode, str]] = field(default_factory=list)
    last_failure: ProviderError | None = None  # the latest request that failed, for admins
    last_failure_at: datetime | None = None
    _discovering: asyncio.Task[Discovery] | None = None
    _probing: asyncio.Task[StructuredMode] | None = None

    @property
    def profile(self) -> ServerProfile:
        if self.discovery is not None:
            return self.discovery.profile
        return PROFILES.get(self.config.server, PROFILES["generic"])

    @property
    def context_tokens(self) -> int:
        if self.discovery is not None:
            return self.discovery.context_tokens
        return self.config.context_tokens or self.profile.context_tokens

    def reply_limit(self, tokens: int) -> dict[str, int]:
        return {self.profile.token_parameter: tokens}

    def failed(self, failure: ProviderError) -> None:
        """Remember `failure` as the latest (the dashboard's provider line shows its kind)."""
        self.last_failure, self.last_failure_at = failure, utcnow()

    async def discover(self, client: AsyncOpenAI) -> Discovery:
        """Which server this is (once; a failed attempt is tried again next time)."""
        if self.discovery is None:
            if self._discovering is None or self._discovering.done():
                self._discovering = asyncio.ensure_future(self._discover(client))
            try:  # shielded: a caller's deadline must not cancel what later callers wait for
                self.discovery = await asyncio.shield(self._discovering)
            except ProviderError as failure:
                self.failed(failure)
                raise
        return self.discovery

    async def _discover(self, client: AsyncOpenAI) -> Discovery:
        models: list[dict[str, Any]] | None
        try:
            models = [m.model_dump() async for m in client.models.list()]
        except openai.APIStatusError as error:
            if error.status_code in (401, 403):
                raise classify(error) from error
            models = None  # some gateways have no GET /models: the address must tell
        except openai.OpenAIError as error:
            raise classify(error) from error
        found = detect(self.base_url, models or [], self.model)
        profile, how = found.profile, found.how
        if self.config.server != "auto":
            profile, how = PROFILES[self.config.server], "VIVAVOCE_LLM_SERVER"
        context = self.config.context_tokens or found.context_tokens or profile.context_tokens
        self.gate.limit = self.config.concurrency or profile.concurrency
        names = tuple(str(m.get("id")) for m in models) if models is not None else None
        return Discovery(profile, how, context, names)

    async def structured_mode(self, client: AsyncOpenAI) -> StructuredMode:
        """The best structured output the endpoint takes (probed once)."""
        if self.mode is None:
            if self._probing is None or self._probing.done():
                self._probing = asyncio.ensure_future(self._probe(client))
            try:
                self.mode = await asyncio.shield(self._probing)
            except ProviderError as failure:
                self.failed(failure)
                raise
        return self.mode

    async def _probe(self, client: AsyncOpenAI) -> StructuredMode:
        if self.config.structured != "auto":
            return StructuredMode(self.config.structured)
        profile = (await self.discover(client)).profile
        quick = client.with_options(max_retries=0)
        for mode in profile.modes:
            try:
                async with self.gate.live():
                    reply = await create_chat(
                        quick,
                        model=self.model,
                        messages=_chat(PROBE_MESSAGES),
                        temperature=0,
                        **self.reply_limit(PROBE_MAX_TOKENS),
                        **structured_arguments(mode, PROBE_SCHEMA, "probe"),
                    )
            except openai.OpenAIError as error:
                failure = classify(error)
                if failure.kind in TRANSIENT or failure.status in (401, 403, 404):
                    raise failure from error
                self.tried.append((mode, str(failure)))
                continue
            if _is_json_object(structured_content(reply, mode)):
                log.info("%s takes %s", self.base_url, MODE_WORDS[mode])
                return mode
            self.tried.append((mode, "answered, but not with JSON"))
        return StructuredMode.PROMPT

    def drop_mode(self, mode: StructuredMode, why: ProviderError) -> bool:
        """A real request refused `mode`: use the next one. False when none is left."""
        order = [*self.profile.modes, StructuredMode.PROMPT]
        if mode is StructuredMode.PROMPT or mode not in order:
            return False
        self.tried.append((mode, str(why)))
        self.mode = order[order.index(mode) + 1]
        log.warning("%s refused %s (%s); using %s", self.base_url, mode, why, self.mode)
        return True

    def describe(self) -> str:
        """What discovery found, in words (for doctor and the start-up log)."""
        parts = []
        if self.discovery is not None:
            parts.append(f"{self.discovery.profile.label} ({self.discovery.how})")
            parts.append(f"context {self.discovery.context_tokens} tokens")
            limit = self.gate.limit
            parts.append("1 request at a time" if limit == 1 else f"{limit} requests at a time")
        if self.mode is not None:
            parts.append(f"structured output: {MODE_WORDS[self.mode]}")
        return ", ".join(parts)


def _chat(messages: list[dict[str, str]]) -> Any:
    return messages  # plain dicts; the SDK's TypedDicts are a static nicety


async def create_chat(client: AsyncOpenAI, **options: Any) -> Any:
    """`client.chat.completions.create` with options built at run time (the reply limit's
    name and the structured-output parameters depend on the server), which the SDK's
    overloads cannot type."""
    completions: Any = client.chat.completions
    return await completions.create(**options)


_registry: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, str, EndpointConfig], Endpoint]
] = weakref.WeakKeyDictionary()


def endpoint_for(client: AsyncOpenAI, model: str, config: EndpointConfig | None) -> Endpoint:
    """The shared `Endpoint` of `client`'s address and `model` (per event loop)."""
    config = config or EndpointConfig()
    base_url = str(client.base_url).rstrip("/")
    known = _registry.setdefault(asyncio.get_running_loop(), {})
    key = (base_url, model, config)
    if key not in known:
        limit = config.concurrency or PROFILES.get(config.server, PROFILES["generic"]).concurrency
        known[key] = Endpoint(base_url, model, config, PriorityGate(limit))
    return known[key]


def known_endpoint(base_url: str, model: str, config: EndpointConfig) -> Endpoint | None:
    """The `Endpoint` this event loop's requests to `base_url` and `model` use, if any has
    been made (read-only: for the dashboard)."""
    known = _registry.get(asyncio.get_running_loop(), {})
    return known.get((base_url.rstrip("/"), model, config))


async def complete_json(
    endpoint: Endpoint,
    client: AsyncOpenAI,
    messages: list[dict[str, str]],
    *,
    schema: dict[str, Any],
    name: str,
    max_tokens: int,
    temperature: float,
    background: bool = False,
) -> str | None:
    """One JSON reply in the best structured mode the endpoint takes: the text, or None.
    Raises a `ProviderError` (typed by `failures.classify`)."""
    while True:
        mode = await endpoint.structured_mode(client)
        ensure_fits(messages, endpoint.context_tokens, max_tokens)

        async def call(mode: StructuredMode = mode) -> Any:
            return await create_chat(
                client,
                model=endpoint.model,
                messages=_chat(messages),
                temperature=temperature,
                **endpoint.reply_limit(max_tokens),
                **structured_arguments(mode, schema, name),
            )

        try:
            reply = await _gated(endpoint, call, background)
        except openai.OpenAIError as error:
            failure = classify(error)
            if failure.kind is FailureKind.UNSUPPORTED and endpoint.drop_mode(mode, failure):
                continue
            endpoint.failed(failure)
            raise failure from error
        return structured_content(reply, mode)


async def _gated(endpoint: Endpoint, call: Callable[[], Awaitable[T]], background: bool) -> T:
    if background:
        return await endpoint.gate.run_background(call)
    async with endpoint.gate.live():
        return await call()
