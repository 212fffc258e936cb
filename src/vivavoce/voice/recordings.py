"""Recordings storage: where interview audio lives, behind a small interface.

A recording is 16 kHz 16-bit mono PCM, appended as the conversation happens (each candidate
utterance, then each sentence the interviewer speaks, in conversation order) and served as a
WAV file. `LocalRecordingStore` keeps one file per session under a directory (by default
`<data_dir>/recordings`); `vivavoce.voice.s3.S3RecordingStore` implements the same three
operations on S3-compatible object storage. A one-way assessment's recorded answers are
stored the same way, one key per answer (`answer_key`), as the browser uploaded them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CHUNK_BYTES = 256 * 1024
_UUID = r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}"
_KEY = re.compile(rf"^{_UUID}/(?:{_UUID}\.pcm|{_UUID}/{_UUID}\.media)$")


def recording_key(workspace_id: object, session_id: object) -> str:
    return f"{workspace_id}/{session_id}.pcm"


def answer_key(workspace_id: object, session_id: object, recording_id: object) -> str:
    """Where one recorded answer of a one-way assessment is stored (the browser's file as
    uploaded, audio or video; its content type is kept with the answer)."""
    return f"{workspace_id}/{session_id}/{recording_id}.media"


def check_key(key: str) -> str:
    """A storage key as `recording_key` makes it (never a path of the caller's choosing)."""
    if not _KEY.match(key):
        raise ValueError("invalid recording key")
    return key


@dataclass(frozen=True)
class StoredAudio:
    size: int
    chunks: AsyncIterator[bytes]


class RecordingStore(Protocol):
    """Append-only audio per key; reading returns None when nothing is stored."""

    async def append(self, key: str, pcm: bytes) -> None: ...

    async def open(self, key: str) -> StoredAudio | None: ...

    async def delete(self, key: str) -> None: ...


class LocalRecordingStore:
    """One file per recording under `root` (created on first use, mode 0700)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _append(self, key: str, pcm: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with path.open("ab") as file:
            file.write(pcm)

    async def append(self, key: str, pcm: bytes) -> None:
        await asyncio.to_thread(self._append, key, pcm)

    async def open(self, key: str) -> StoredAudio | None:
        path = self._path(key)
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            return None

        async def chunks() -> AsyncIterator[bytes]:
            file = await asyncio.to_thread(path.open, "rb")
            try:
                left = size
                while left > 0:
                    chunk = await asyncio.to_thread(file.read, min(CHUNK_BYTES, left))
                    if not chunk:
                        break
                    left -= len(chunk)
                    yield chunk
            finally:
                file.close()

        return StoredAudio(size=size, chunks=chunks())

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)
