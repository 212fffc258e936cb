"""Known model servers and what each needs (docs/llm.md has the same table in words).

A profile says how to talk to one kind of server where probing alone cannot tell: which
structured-output modes to try, in which order; how many requests it serves at once; how long
its context usually is; which parameter bounds a reply's length. `detect` picks a profile from
the endpoint's address and its `GET /models` answer; `VIVAVOCE_LLM_SERVER` overrides it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit


class StructuredMode(StrEnum):
    """How a request asks for JSON, best first."""

    JSON_SCHEMA = "json_schema"  # response_format json_schema (OpenAI, vLLM, Ollama, LM Studio)
    JSON_OBJECT_SCHEMA = "json_object_schema"  # json_object + `schema` (llama.cpp's servers)
    TOOLS = "tools"  # one forced function call whose parameters are the schema
    JSON_OBJECT = "json_object"  # JSON mode, the schema in the prompt only
    PROMPT = "prompt"  # nothing but the prompt; the reply is validated like any other


MODE_WORDS = {
    StructuredMode.JSON_SCHEMA: "JSON schema",
    StructuredMode.JSON_OBJECT_SCHEMA: "JSON object with schema",
    StructuredMode.TOOLS: "tool calls",
    StructuredMode.JSON_OBJECT: "JSON mode",
    StructuredMode.PROMPT: "plain JSON by prompt",
}

TokenParameter = Literal["max_tokens", "max_completion_tokens"]


@dataclass(frozen=True, slots=True)
class ServerProfile:
    name: str
    label: str
    modes: tuple[StructuredMode, ...]  # probed in this order; PROMPT always last
    concurrency: int  # requests it serves at once without slowing or interrupting one
    context_tokens: int  # assumed when neither the endpoint nor VIVAVOCE_LLM_CONTEXT_TOKENS says
    token_parameter: TokenParameter = "max_tokens"


M = StructuredMode
PROFILES: Mapping[str, ServerProfile] = {
    p.name: p
    for p in (
        ServerProfile(
            "openai",
            "OpenAI",
            (M.JSON_SCHEMA, M.TOOLS, M.JSON_OBJECT),
            8,
            128_000,
            "max_completion_tokens",
        ),
        ServerProfile("anthropic", "Anthropic", (M.TOOLS,), 8, 200_000),
        ServerProfile("vllm", "vLLM", (M.JSON_SCHEMA, M.JSON_OBJECT, M.TOOLS), 8, 8_192),
        ServerProfile("ollama", "Ollama", (M.JSON_SCHEMA, M.JSON_OBJECT), 1, 4_096),
        ServerProfile(
            "llamacpp", "llama.cpp", (M.JSON_OBJECT_SCHEMA, M.JSON_SCHEMA, M.JSON_OBJECT), 1, 4_096
        ),
        ServerProfile("lmstudio", "LM Studio", (M.JSON_SCHEMA,), 1, 4_096),
        ServerProfile(
            "litellm", "LiteLLM gateway", (M.JSON_SCHEMA, M.JSON_OBJECT, M.TOOLS), 8, 8_192
        ),
        ServerProfile(
            "generic",
            "OpenAI-compatible server",
            (M.JSON_SCHEMA, M.JSON_OBJECT_SCHEMA, M.JSON_OBJECT, M.TOOLS),
            4,
            8_192,
        ),
    )
}

# `owned_by` in GET /models, as each server fills it in
_OWNERS = {
    "llamacpp": "llamacpp",  # llama.cpp's own server
    "me": "llamacpp",  # llama-cpp-python's server
    "vllm": "vllm",
    "library": "ollama",
    "organization_owner": "lmstudio",
    "litellm": "litellm",
}
_HOSTS = {"api.openai.com": "openai", "api.anthropic.com": "anthropic"}
_PORTS = {11434: "ollama", 1234: "lmstudio", 4000: "litellm"}  # their documented defaults


@dataclass(frozen=True, slots=True)
class Detected:
    profile: ServerProfile
    context_tokens: int | None  # what the endpoint itself says, when it says (vLLM)
    how: str


def detect(base_url: str, models: Sequence[Mapping[str, Any]], model: str) -> Detected:
    """The profile `GET /models` and the address point to; `generic` when neither tells."""
    entry = next((m for m in models if m.get("id") == model), models[0] if models else {})
    owner = str(entry.get("owned_by") or "")
    context = entry.get("max_model_len")  # vLLM reports the model's context length here
    tokens = context if isinstance(context, int) and context > 0 else None
    if owner in _OWNERS:
        return Detected(PROFILES[_OWNERS[owner]], tokens, f"owned_by={owner!r}")
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if host in _HOSTS:
        return Detected(PROFILES[_HOSTS[host]], tokens, f"host {host}")
    if parts.port in _PORTS:
        return Detected(PROFILES[_PORTS[parts.port]], tokens, f"port {parts.port}")
    return Detected(PROFILES["generic"], tokens, "not recognised")
