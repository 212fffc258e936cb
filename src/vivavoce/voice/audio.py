"""Plain PCM helpers (16-bit little-endian mono), in pure Python so the core install needs
no numpy: WAV wrapping and parsing, level, resampling."""

from __future__ import annotations

import io
import math
import struct
import sys
import wave
from array import array

SAMPLE_RATE = 16_000  # what the browser streams and what recordings are kept at
SAMPLE_WIDTH = 2


def samples(pcm: bytes) -> array[int]:
    values = array("h")
    values.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder == "big":  # pragma: no cover - the wire format is little-endian
        values.byteswap()
    return values


def to_bytes(values: array[int]) -> bytes:
    if sys.byteorder == "big":  # pragma: no cover
        values = array("h", values)
        values.byteswap()
    return values.tobytes()


def rms(pcm: bytes) -> float:
    """Root mean square level of a frame (0 … 32768)."""
    values = samples(pcm)
    if not values:
        return 0.0
    return math.sqrt(sum(v * v for v in values) / len(values))


def wav_header(data_bytes: int, sample_rate: int = SAMPLE_RATE) -> bytes:
    """A 44-byte RIFF header for `data_bytes` of 16-bit mono PCM."""
    byte_rate = sample_rate * SAMPLE_WIDTH
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_bytes,
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        sample_rate,
        byte_rate,
        SAMPLE_WIDTH,
        16,
        b"data",
        data_bytes,
    )


def to_wav(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> bytes:
    return wav_header(len(pcm), sample_rate) + pcm


def from_wav(data: bytes) -> tuple[bytes, int]:
    """The PCM and sample rate of a 16-bit WAV (mixed down to mono); ValueError otherwise."""
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            width, channels, rate = (
                reader.getsampwidth(),
                reader.getnchannels(),
                reader.getframerate(),
            )
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        raise ValueError(f"not a WAV file: {error}") from error
    if width != SAMPLE_WIDTH:
        raise ValueError("only 16-bit WAV audio is supported")
    if channels == 1:
        return frames, rate
    values = samples(frames)
    mono = array(
        "h", (sum(values[i : i + channels]) // channels for i in range(0, len(values), channels))
    )
    return to_bytes(mono), rate


def resample(pcm: bytes, source_rate: int, target_rate: int = SAMPLE_RATE) -> bytes:
    """Linear-interpolation resampling; good enough for speech kept as a record."""
    if source_rate == target_rate or not pcm:
        return pcm
    values = samples(pcm)
    count = int(len(values) * target_rate / source_rate)
    step = source_rate / target_rate
    last = len(values) - 1
    out = array("h", bytes(2 * count))
    for i in range(count):
        position = i * step
        left = int(position)
        if left >= last:
            out[i] = values[last]
            continue
        fraction = position - left
        out[i] = int(values[left] + (values[left + 1] - values[left]) * fraction)
    return to_bytes(out)


def duration_seconds(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> float:
    return len(pcm) / (SAMPLE_WIDTH * sample_rate)
