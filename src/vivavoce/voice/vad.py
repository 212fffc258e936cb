"""Which audio is speech: Silero VAD, the model shipped inside faster-whisper.

The end-of-turn detector (`vivavoce.voice.endpointing`) asks a `SpeechDetector` about each
20 ms frame. `SileroSpeech` runs faster-whisper's bundled Silero VAD (ONNX, one thread) on
the stream in its own 32 ms chunks, carrying the model's state and context from chunk to
chunk exactly as `faster_whisper.vad` does over a whole file, so a frame's answer is the
probability of the latest chunk that covers it. A steady noise (a fan, traffic, a keyboard)
is not speech to it however loud, where the energy detector needs a second or two to learn
the room's level. With hysteresis: a frame is speech from `onset` up, and stays speech until
the probability falls under `offset`.

The model is loaded once per process and shared; each stream has its own small state.
When faster-whisper or onnxruntime is missing or the model cannot be loaded, `silero` returns
None and the energy detector is used instead. The cost: about 1-3 ms of one core per second
of audio.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from functools import lru_cache
from typing import Any

from vivavoce.voice.audio import SAMPLE_RATE, SAMPLE_WIDTH

log = logging.getLogger(__name__)

CHUNK_SAMPLES = SAMPLE_RATE * 32 // 1000  # 512: the model's 32 ms window (16 kHz only)
KEPT_CHUNKS = 128  # 4 s of answers kept: more than one browser frame (at most 2 s) holds
CONTEXT_SAMPLES = 64  # carried from the previous chunk, as faster_whisper.vad does
ONSET = 0.5
OFFSET = 0.35


def available() -> bool:
    return (
        importlib.util.find_spec("faster_whisper") is not None
        and importlib.util.find_spec("onnxruntime") is not None
    )


@lru_cache(maxsize=1)
def _model() -> Any:
    from faster_whisper.vad import get_vad_model

    return get_vad_model()


class SileroSpeech:
    """One audio stream's Silero VAD state; `accept` the audio, then ask per frame."""

    def __init__(self, model: Any, onset: float = ONSET, offset: float = OFFSET) -> None:
        import numpy

        self._numpy = numpy
        self._session = model.session
        self.onset = onset
        self.offset = offset
        self._state = numpy.zeros((2, 1, 1, 128), dtype=numpy.float32)
        self._context = numpy.zeros(CONTEXT_SAMPLES, dtype=numpy.float32)
        self._pending = numpy.zeros(0, dtype=numpy.float32)
        self._probabilities: list[float] = []  # the latest chunks' probabilities, in order
        self._dropped = 0  # chunks before the first one kept
        self._speaking = False

    def accept(self, pcm: bytes) -> None:
        """Run the model on every whole chunk of the audio received so far."""
        numpy = self._numpy
        audio = numpy.frombuffer(pcm, dtype=numpy.int16).astype(numpy.float32) / 32768.0
        pending = numpy.concatenate([self._pending, audio])
        whole = len(pending) // CHUNK_SAMPLES
        self._pending = pending[whole * CHUNK_SAMPLES :]
        if not whole:
            return
        chunks = pending[: whole * CHUNK_SAMPLES].reshape(whole, CHUNK_SAMPLES)
        contexts = numpy.concatenate([self._context[None, :], chunks[:-1, -CONTEXT_SAMPLES:]])
        self._context = chunks[-1, -CONTEXT_SAMPLES:].copy()
        batch = numpy.concatenate([contexts, chunks], axis=1)
        h, c = self._state
        output, h, c = self._session.run(None, {"input": batch, "h": h, "c": c})
        self._state = numpy.stack([h, c])
        self._probabilities.extend(float(p) for p in numpy.ravel(output))
        surplus = len(self._probabilities) - KEPT_CHUNKS
        if surplus > 0:
            del self._probabilities[:surplus]
            self._dropped += surplus

    def probability_at(self, sample: int) -> float:
        """The probability of the chunk holding audio sample `sample` (counted from the
        stream's start), or of the latest chunk done when that one is not done yet."""
        if not self._probabilities:
            return 0.0
        index = sample // CHUNK_SAMPLES - self._dropped
        return self._probabilities[min(max(index, 0), len(self._probabilities) - 1)]

    def is_speech(self, frame_end_byte: int) -> bool:
        """Whether the 20 ms frame ending at this byte of the stream is speech."""
        sample = max(0, frame_end_byte // SAMPLE_WIDTH - 1)
        p = self.probability_at(sample)
        self._speaking = p >= (self.offset if self._speaking else self.onset)
        return self._speaking


def silero() -> SileroSpeech | None:
    """A Silero VAD stream, or None when the model is unavailable (the energy detector is
    used then)."""
    if not available():
        return None
    try:
        return SileroSpeech(_model())
    except Exception as error:  # a broken install must not take voice down
        log.warning("Silero VAD unavailable, using the energy detector: %s", error)
        return None


def _load() -> None:
    try:
        _model()
    except Exception as error:
        log.warning("Silero VAD unavailable: %s", error)


def warm_up() -> None:
    """Start loading the model (a few tens of milliseconds) on a thread of its own, so the
    first stream does not wait. Returns at once."""
    if available() and _model.cache_info().currsize == 0:
        threading.Thread(target=_load, name="vivavoce-vad-warm", daemon=True).start()
