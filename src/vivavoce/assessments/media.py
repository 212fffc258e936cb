"""Recorded answers of a one-way assessment: what may be uploaded, and decoding it.

The browser records with MediaRecorder (WebM/Opus in Chromium and Firefox, MP4/AAC in
Safari; camera video where the stage allows it) and uploads the file as it is. The server
decodes its audio track with PyAV (installed with faster-whisper, the `voice` extra) to
16 kHz mono PCM: once in the request, to measure its true length (MediaRecorder files
carry none in their header) and refuse an unreadable or too long file before anything is
stored, and again in the transcription job. Without PyAV no recording is accepted: the
stage's audio and video kinds are then not offered.
"""

from __future__ import annotations

import importlib.util
import io
from dataclasses import dataclass
from typing import Literal

from vivavoce.voice.audio import SAMPLE_RATE

MediaKind = Literal["audio", "video"]
CONTENT_TYPES: dict[MediaKind, frozenset[str]] = {
    "audio": frozenset(
        {"audio/webm", "audio/ogg", "audio/mp4", "audio/mpeg", "audio/wav", "audio/x-wav"}
    ),
    "video": frozenset({"video/webm", "video/mp4"}),
}
MAX_BYTES: dict[MediaKind, int] = {"audio": 16 * 1024 * 1024, "video": 96 * 1024 * 1024}


class UnreadableMedia(Exception):
    """The upload is not a recording PyAV can decode, or holds no sound."""


@dataclass(frozen=True)
class Decoded:
    pcm: bytes  # 16-bit mono at SAMPLE_RATE

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / SAMPLE_RATE


def available() -> bool:
    """Whether this server can take recorded answers (PyAV installed)."""
    return importlib.util.find_spec("av") is not None


def content_type_fits(kind: MediaKind, content_type: str) -> bool:
    return content_type in CONTENT_TYPES[kind]


def decode(data: bytes) -> Decoded:
    """The recording's first audio track as 16 kHz mono PCM (blocking: run in a thread)."""
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise UnreadableMedia("the recording has no sound track")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            pieces: list[bytes] = []
            for frame in container.decode(container.streams.audio[0]):
                pieces.extend(_pcm(resampled) for resampled in resampler.resample(frame))
            pieces.extend(_pcm(resampled) for resampled in resampler.resample(None))
    except (av.FFmpegError, ValueError, IndexError) as error:
        raise UnreadableMedia(f"the recording cannot be read: {error}") from error
    pcm = b"".join(pieces)
    if not pcm:
        raise UnreadableMedia("the recording is empty")
    return Decoded(pcm)


def _pcm(frame: object) -> bytes:
    import av

    assert isinstance(frame, av.AudioFrame)
    return bytes(frame.to_ndarray().tobytes())
