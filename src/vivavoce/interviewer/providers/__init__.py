"""Which interviewer runs: the built-in offline one, a model behind an OpenAI-compatible API,
or Anthropic's Messages API (the optional extra `vivavoce[anthropic]`, imported only then).

`build(settings)` returns the `(Voice, Judge)` pair the live room uses, chosen by
`VIVAVOCE_LLM_PROVIDER` (`auto`: OpenAI-compatible when `VIVAVOCE_LLM_BASE_URL` is set, else
offline — no network needed). See docs/interviewer.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType

import openai

from vivavoce.config import Settings
from vivavoce.interviewer.checked_voice import CheckedVoice
from vivavoce.interviewer.judge import Judge
from vivavoce.interviewer.offline import OfflineJudge, OfflineVoice
from vivavoce.interviewer.providers.endpoint import EndpointConfig, endpoint_for
from vivavoce.interviewer.providers.failures import (
    ProviderError,
    ProviderRefused,
    ProviderUnavailable,
    StreamInterrupted,
    UnusableReply,
    classify,
)
from vivavoce.interviewer.providers.openai_compatible import (
    LLMJudge,
    LLMModelAnswerer,
    LLMVoice,
    make_client,
)
from vivavoce.interviewer.providers.scene_llm import LLMSceneVoice
from vivavoce.interviewer.scene_voice import CheckedSceneVoice, OfflineSceneVoice, SceneVoice
from vivavoce.interviewer.similarity import ModelAnswerer
from vivavoce.interviewer.voice import Voice

__all__ = [
    "LLMJudge",
    "LLMModelAnswerer",
    "LLMVoice",
    "ProviderError",
    "ProviderNotInstalled",
    "ProviderRefused",
    "ProviderUnavailable",
    "StreamInterrupted",
    "UnusableReply",
    "build",
    "check",
    "describe",
    "kind",
    "log_startup_check",
    "model_answerer",
    "readiness",
    "shared",
    "speaks",
]

log = logging.getLogger(__name__)

ANTHROPIC_DEFAULT_MODEL = "claude-sonnet-4-5"

_shared: dict[tuple[object, ...], tuple[Voice, Judge, ModelAnswerer | None]] = {}


class ProviderNotInstalled(RuntimeError):
    """The configured provider cannot be built (a missing extra, a missing URL)."""


def kind(settings: Settings) -> str:
    """`offline`, `openai` or `anthropic`: VIVAVOCE_LLM_PROVIDER, where `auto` means
    OpenAI-compatible when VIVAVOCE_LLM_BASE_URL is set and offline otherwise."""
    if settings.llm_provider == "auto":
        return "openai" if settings.llm_base_url else "offline"
    return settings.llm_provider


def model_name(settings: Settings) -> str:
    """VIVAVOCE_LLM_MODEL; with Anthropic and no model set, a Claude model."""
    if kind(settings) == "anthropic" and "llm_model" not in settings.model_fields_set:
        return ANTHROPIC_DEFAULT_MODEL
    return settings.llm_model


OFFLINE_LANGUAGES = frozenset({"en"})  # the languages the offline interviewer's copy exists in


def speaks(settings: Settings, language: str | None) -> bool:
    """Whether the configured interviewer holds an interview in `language` (BCP-47): an LLM
    speaks whatever its model does; the offline interviewer English only."""
    if kind(settings) != "offline":
        return True
    return (language or "en").split("-", 1)[0].lower() in OFFLINE_LANGUAGES


def describe(settings: Settings) -> str:
    """The configured provider in words (no secrets)."""
    chosen = kind(settings)
    if chosen == "offline":
        return "built-in offline interviewer (no VIVAVOCE_LLM_BASE_URL set)"
    if chosen == "anthropic":
        where = settings.llm_base_url or "Anthropic API"
        return f"Anthropic {where} (model {model_name(settings)})"
    if not settings.llm_base_url:
        return "OpenAI-compatible provider chosen but VIVAVOCE_LLM_BASE_URL is not set"
    return f"OpenAI-compatible {settings.llm_base_url} (model {settings.llm_model})"


def _anthropic() -> ModuleType:
    try:
        from vivavoce.interviewer.providers import anthropic_messages
    except ImportError as error:  # the optional extra is not installed
        raise ProviderNotInstalled(
            "VIVAVOCE_LLM_PROVIDER=anthropic needs the anthropic package: "
            "pip install 'vivavoce[anthropic]'"
        ) from error
    return anthropic_messages


def _api_key(settings: Settings) -> str | None:
    return settings.llm_api_key.get_secret_value() if settings.llm_api_key else None


def _build(settings: Settings) -> tuple[Voice, Judge, ModelAnswerer | None]:
    chosen = kind(settings)
    if chosen == "offline":
        return OfflineVoice(), OfflineJudge(), None
    model = model_name(settings)
    if chosen == "anthropic":
        module = _anthropic()
        client = module.make_client(
            settings.llm_base_url,
            _api_key(settings),
            timeout=settings.llm_timeout_seconds,
            max_retries=settings.llm_max_retries,
        )
        return (
            CheckedVoice(module.AnthropicVoice(client, model)),
            module.AnthropicJudge(client, model),
            module.AnthropicModelAnswerer(client, model),
        )
    if not settings.llm_base_url:
        raise ProviderNotInstalled("VIVAVOCE_LLM_PROVIDER=openai needs VIVAVOCE_LLM_BASE_URL")
    client = make_client(
        settings.llm_base_url,
        _api_key(settings),
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
    )
    config = EndpointConfig.from_settings(settings)
    voice = CheckedVoice(LLMVoice(client, model, config=config))  # every reply checked first
    return (
        voice,
        LLMJudge(
            client, model, config=config, deadline_seconds=settings.llm_judge_deadline_seconds
        ),
        LLMModelAnswerer(client, model, config=config),
    )


def build(settings: Settings) -> tuple[Voice, Judge]:
    voice, judge, _ = _build(settings)
    return voice, judge


def _key(settings: Settings) -> tuple[object, ...]:
    return (
        settings.llm_provider,
        settings.llm_base_url,
        settings.llm_model,
        settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
        settings.llm_timeout_seconds,
        settings.llm_max_retries,
        EndpointConfig.from_settings(settings),
        settings.llm_judge_deadline_seconds,
    )


def _shared_build(settings: Settings) -> tuple[Voice, Judge, ModelAnswerer | None]:
    key = _key(settings)
    if key not in _shared:
        _shared[key] = _build(settings)
    return _shared[key]


@dataclass(frozen=True)
class Interviewers:
    """The providers every live room of a process shares (`shared`, `model_answerer`), built
    once by the app's composition root (`app._serving`) and handed to the rooms."""

    voice: Voice
    judge: Judge
    answerer: ModelAnswerer | None
    scene_voice: SceneVoice


def interviewers(settings: Settings) -> Interviewers:
    return Interviewers(*_shared_build(settings), scene_voice=scene_voice(settings))


def shared(settings: Settings) -> tuple[Voice, Judge]:
    """`build(settings)`, made once per provider configuration and then reused, so every
    live room shares one HTTP client (and its connection pool)."""
    voice, judge, _ = _shared_build(settings)
    return voice, judge


def model_answerer(settings: Settings) -> ModelAnswerer | None:
    """What writes the model answers `scripted_answer_similarity` compares with: the
    configured LLM (sharing the voice's client), or None with the offline interviewer."""
    return _shared_build(settings)[2]


def scene_voice(settings: Settings) -> SceneVoice:
    """What words a role-play character's lines: the configured OpenAI-compatible LLM
    (sharing the interviewer's client), checked, with the offline wording as its fallback;
    the offline wording with no LLM or another provider."""
    if kind(settings) != "openai" or not settings.llm_base_url:
        return OfflineSceneVoice()
    voice, _ = shared(settings)
    inner = voice.inner if isinstance(voice, CheckedVoice) else None
    if not isinstance(inner, LLMVoice):
        return OfflineSceneVoice()
    return CheckedSceneVoice(LLMSceneVoice(inner.client, inner.model, config=inner.config))


async def check(
    settings: Settings, seconds: float = 5.0, *, probe: bool = True
) -> tuple[bool, str]:
    """For `vivavoce doctor`, `serve`'s start-up log and `/readyz`: is the configured provider
    reachable, which server is it, and (with `probe`) which structured output does it take?
    No retries, a short timeout; what is found is kept for this process (the live rooms use
    it). The offline interviewer is always ok."""
    chosen = kind(settings)
    if chosen == "offline":
        return True, describe(settings)
    if chosen == "anthropic":
        return await _check_anthropic(settings, seconds)
    if not settings.llm_base_url:
        return False, describe(settings)
    client = make_client(settings.llm_base_url, _api_key(settings), timeout=seconds, max_retries=0)
    endpoint = endpoint_for(client, settings.llm_model, EndpointConfig.from_settings(settings))
    try:
        found = await endpoint.discover(client)
        if probe:
            await endpoint.structured_mode(client)
    except ProviderError as error:
        return False, f"{describe(settings)}: {error}"
    finally:
        await client.close()
    if found.models is None:
        listed = "models not listed by the endpoint"
    elif settings.llm_model in found.models:
        listed = "model listed"
    else:
        listed = "model not listed by the endpoint"
    return True, f"{describe(settings)}: reachable, {listed}; {endpoint.describe()}"


async def _check_anthropic(settings: Settings, seconds: float) -> tuple[bool, str]:
    try:
        module = _anthropic()
    except ProviderNotInstalled as error:
        return False, str(error)
    import anthropic

    client = module.make_client(
        settings.llm_base_url, _api_key(settings), timeout=seconds, max_retries=0
    )
    try:
        listed = await module.check(client, model_name(settings))
    except anthropic.AnthropicError as error:
        return False, f"{describe(settings)}: {module.unavailable(error)}"
    finally:
        await client.close()
    return True, f"{describe(settings)}: reachable, {listed}"


READINESS_SECONDS = 30.0  # how long one reachability answer is reused by /readyz
_readiness: dict[tuple[object, ...], tuple[float, tuple[str, str]]] = {}


async def readiness(settings: Settings, now: float, seconds: float = 2.0) -> tuple[str, str]:
    """For `/readyz` and the dashboard: `offline`, `ok` or `unreachable`, and in words why.
    One `GET /models` at most every READINESS_SECONDS (`now`: a monotonic clock), no retries."""
    key = _key(settings)
    known = _readiness.get(key)
    if known is not None and now - known[0] < READINESS_SECONDS:
        return known[1]
    chosen = kind(settings)
    if chosen == "offline":
        state = ("offline", describe(settings))
    elif chosen == "anthropic":
        ok, detail = await _check_anthropic(settings, seconds)
        state = ("ok" if ok else "unreachable", detail)
    else:
        state = await _reachable(settings, seconds)
    _readiness[key] = (now, state)
    return state


async def _reachable(settings: Settings, seconds: float) -> tuple[str, str]:
    if not settings.llm_base_url:
        return "unreachable", describe(settings)
    client = make_client(settings.llm_base_url, _api_key(settings), timeout=seconds, max_retries=0)
    try:
        async for _ in client.models.list():
            break
    except openai.APIStatusError as error:
        if error.status_code not in (401, 403):  # some gateways have no GET /models
            return "ok", f"{describe(settings)}: reachable (GET /models: HTTP {error.status_code})"
        return "unreachable", f"{describe(settings)}: {classify(error)}"
    except openai.OpenAIError as error:
        return "unreachable", f"{describe(settings)}: {classify(error)}"
    finally:
        await client.close()
    return "ok", f"{describe(settings)}: reachable"


async def log_startup_check(settings: Settings) -> None:
    """`serve`'s start-up line about the LLM; its discovery warms this process's cache, so
    the first candidate does not wait for the probe."""
    ok, detail = await check(settings, seconds=min(settings.llm_timeout_seconds, 30.0))
    if ok:
        log.info("LLM provider: %s", detail)
    else:
        log.error("LLM provider check FAILED: %s (interviews will fail until it is fixed)", detail)
