"""The evaluation's speech, made here from text: piper's bundled voice and espeak-ng's
voices, each answer with noise added at a fixed signal-to-noise ratio (the same noise every
run: it is seeded by the answer and the voice)."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from vivavoce.voice.audio import SAMPLE_RATE, resample


@dataclass(frozen=True)
class Voice:
    name: str
    engine: str  # "piper" or "espeak-ng"
    espeak_voice: str = ""
    words_per_minute: int = 160


VOICES = (
    Voice("piper joe (en_US)", "piper"),
    Voice("espeak-ng en-us", "espeak-ng", "en-us", 165),
    Voice("espeak-ng en-gb", "espeak-ng", "en-gb", 155),
)


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def available_voices() -> tuple[Voice, ...]:
    return tuple(v for v in VOICES if v.engine == "piper" or espeak_available())


def _espeak(voice: Voice, text: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="vivavoce-eval-voice-") as scratch:
        path = Path(scratch) / "said.wav"
        command = ["espeak-ng", "-v", voice.espeak_voice, "-s", str(voice.words_per_minute)]
        subprocess.run(  # noqa: S603 - a fixed program, the text is one argument
            [*command, "-w", str(path), text],
            check=True,
            capture_output=True,
            timeout=60,
        )
        with wave.open(str(path)) as said:
            rate = said.getframerate()
            pcm = said.readframes(said.getnframes())
    return resample(pcm, rate)


def _piper(text: str) -> bytes:
    from vivavoce.voice.tts import LocalPiper

    speech = asyncio.run(LocalPiper().synthesize(text))
    return resample(speech.pcm, speech.sample_rate)


def spoken(voice: Voice, text: str) -> bytes:
    """16 kHz 16-bit mono PCM of `voice` saying `text`, with half a second of silence
    around it as a microphone would give."""
    pcm = _piper(text) if voice.engine == "piper" else _espeak(voice, text)
    pad = bytes(SAMPLE_RATE)  # 0.5 s of 16-bit silence
    return pad + pcm + pad


def with_noise(pcm: bytes, snr_db: float, seed: str) -> bytes:
    """`pcm` with white noise at `snr_db` below the speech's level (seeded: reproducible)."""
    import numpy

    audio = numpy.frombuffer(pcm, dtype=numpy.int16).astype(numpy.float64)
    loud = audio[numpy.abs(audio) > 300]
    level = float(numpy.sqrt(numpy.mean(loud**2))) if loud.size else 1000.0
    digest = hashlib.sha256(seed.encode()).digest()
    noise = numpy.random.default_rng(int.from_bytes(digest[:8], "big")).standard_normal(audio.size)
    mixed = audio + noise * level / (10 ** (snr_db / 20))
    return numpy.clip(mixed, -32768, 32767).astype(numpy.int16).tobytes()
