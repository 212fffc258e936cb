"""Which interviewer runs: the built-in offline one, or a model behind an OpenAI-compatible API.

`build(settings)` returns the `(Voice, Judge)` pair the live room uses: the offline
interviewer when `VIVAVOCE_LLM_BASE_URL` is unset (the default, no network needed), else
`LLMVoice` and `LLMJudge` on that endpoint with `VIVAVOCE_LLM_MODEL`. See docs/interviewer.md.
"""

from __future__ import annotations

import openai

from vivavoce.config import Settings
from vivavoce.interviewer.judge import Judge
from vivavoce.interviewer.offline import OfflineJudge, OfflineVoice
from vivavoce.interviewer.providers.openai_compatible import (
    LLMJudge,
    LLMModelAnswerer,
    LLMVoice,
    ProviderUnavailable,
    StreamInterrupted,
    make_client,
    unavailable,
)
from vivavoce.interviewer.similarity import ModelAnswerer
from vivavoce.interviewer.voice import Voice

__all__ = [
    "LLMJudge",
    "LLMModelAnswerer",
    "LLMVoice",
    "ProviderUnavailable",
    "StreamInterrupted",
    "build",
    "check",
    "describe",
    "model_answerer",
    "shared",
]

_shared: dict[tuple[object, ...], tuple[Voice, Judge]] = {}
_answerers: dict[tuple[object, ...], ModelAnswerer | None] = {}


def describe(settings: Settings) -> str:
    """The configured provider in words (no secrets)."""
    if not settings.llm_base_url:
        return "built-in offline interviewer (no VIVAVOCE_LLM_BASE_URL set)"
    return f"OpenAI-compatible {settings.llm_base_url} (model {settings.llm_model})"


def build(settings: Settings) -> tuple[Voice, Judge]:
    if not settings.llm_base_url:
        return OfflineVoice(), OfflineJudge()
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    client = make_client(
        settings.llm_base_url,
        key,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
    )
    return LLMVoice(client, settings.llm_model), LLMJudge(client, settings.llm_model)


def _key(settings: Settings) -> tuple[object, ...]:
    return (
        settings.llm_base_url,
        settings.llm_model,
        settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
        settings.llm_timeout_seconds,
        settings.llm_max_retries,
    )


def shared(settings: Settings) -> tuple[Voice, Judge]:
    """`build(settings)`, made once per provider configuration and then reused, so every
    live room shares one HTTP client (and its connection pool)."""
    key = _key(settings)
    if key not in _shared:
        _shared[key] = build(settings)
    return _shared[key]


def model_answerer(settings: Settings) -> ModelAnswerer | None:
    """What writes the model answers `scripted_answer_similarity` compares with: the
    configured LLM (sharing the voice's client), or None with the offline interviewer."""
    key = _key(settings)
    if key not in _answerers:
        voice, _ = shared(settings)
        _answerers[key] = (
            LLMModelAnswerer(voice.client, voice.model) if isinstance(voice, LLMVoice) else None
        )
    return _answerers[key]


async def check(settings: Settings, seconds: float = 5.0) -> tuple[bool, str]:
    """For `vivavoce doctor`: is the configured provider reachable? One cheap call
    (`GET /models`), no retries, a short timeout. The offline interviewer is always ok."""
    if not settings.llm_base_url:
        return True, describe(settings)
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    client = make_client(settings.llm_base_url, key, timeout=seconds, max_retries=0)
    try:
        models = [model.id async for model in client.models.list()]
    except openai.OpenAIError as error:
        return False, f"{describe(settings)}: {unavailable(error)}"
    finally:
        await client.close()
    listed = "listed" if settings.llm_model in models else "not listed by the endpoint"
    return True, f"{describe(settings)}: reachable, model {listed}"
