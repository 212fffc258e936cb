"""Recordings in S3-compatible object storage (AWS S3, MinIO, Ceph, R2, …), on obstore.

obstore (the Rust `object_store` crate) signs the requests, finds credentials (the settings'
static keys when given, else the standard AWS chain: environment, web identity / IRSA, ECS
task role, EC2 instance profile, refreshed before they expire), retries server errors and
dropped connections with backoff, pools connections in one client per store, and deletes in
batches of up to 1000 keys (DeleteObjects). See docs/adr/0009-object-storage-client.md.

Objects are immutable, so appending a piece of audio writes one more object:
`<prefix><recording key>/<time in ns, 20 digits>-<random>.pcm`. Reading lists them (name
order is conversation order) and streams them one after another; deleting removes them all.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import obstore
from obstore.exceptions import BaseError
from obstore.store import S3Store

from vivavoce.voice.recordings import StoredAudio, check_key

if TYPE_CHECKING:
    from obstore.store import S3Config

STREAM_CHUNK_BYTES = 256 * 1024
# obstore raises its own errors, and Python's for a missing object (FileNotFoundError) or a
# failed connection (other OSError kinds).
_FAILED = (BaseError, OSError)


class StorageError(RuntimeError):
    """The object store refused or failed a request."""


@dataclass(frozen=True)
class S3Location:
    """Where recordings live and how to reach the store; hashable, so one client per
    location can be kept for the life of the process."""

    endpoint: str
    bucket: str
    region: str = "us-east-1"
    prefix: str = ""
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    max_retries: int = 5

    def config(self) -> S3Config:
        config: S3Config = {
            "endpoint": self.endpoint.rstrip("/"),
            "region": self.region,
            # path-style URLs (`<endpoint>/<bucket>/<key>`): every S3-compatible server takes them
            "virtual_hosted_style_request": False,
        }
        if self.access_key_id and self.secret_access_key:
            config["access_key_id"] = self.access_key_id
            config["secret_access_key"] = self.secret_access_key
        return config


class S3RecordingStore:
    """The `RecordingStore` interface on an S3-compatible bucket."""

    def __init__(self, location: S3Location) -> None:
        if not location.endpoint.startswith(("http://", "https://")):
            raise ValueError("the S3 endpoint must be an http(s) URL")
        self.location = location
        self.prefix = location.prefix
        self._store = S3Store(
            location.bucket,
            config=location.config(),
            client_options={
                "allow_http": location.endpoint.startswith("http://"),
                "timeout": timedelta(seconds=location.timeout),
                "connect_timeout": timedelta(seconds=min(location.timeout, 10.0)),
            },
            retry_config={
                "max_retries": location.max_retries,
                "retry_timeout": timedelta(seconds=location.timeout * 4),
            },
        )

    def _directory(self, key: str) -> str:
        return f"{self.prefix}{check_key(key)}"

    async def _pieces(self, key: str) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        try:
            async for batch in obstore.list(self._store, self._directory(key) + "/"):
                found.extend((meta["path"], meta["size"]) for meta in batch)
        except _FAILED as error:
            raise StorageError(f"listing a recording failed: {error}") from error
        return sorted(found)

    async def append(self, key: str, pcm: bytes) -> None:
        piece = f"{self._directory(key)}/{time.time_ns():020d}-{secrets.token_hex(4)}.pcm"
        try:
            await obstore.put_async(self._store, piece, pcm)
        except _FAILED as error:
            raise StorageError(f"storing audio failed: {error}") from error

    async def open(self, key: str) -> StoredAudio | None:
        pieces = await self._pieces(key)
        if not pieces:
            return None
        return StoredAudio(size=sum(size for _name, size in pieces), chunks=self._read(pieces))

    async def _read(self, pieces: list[tuple[str, int]]) -> AsyncIterator[bytes]:
        for name, _size in pieces:
            try:
                result = await obstore.get_async(self._store, name)
                async for chunk in result.stream(min_chunk_size=STREAM_CHUNK_BYTES):
                    yield bytes(chunk)
            except FileNotFoundError as error:
                raise StorageError(f"a piece of the recording vanished: {name}") from error
            except _FAILED as error:
                raise StorageError(f"reading a recording failed: {error}") from error

    async def delete(self, key: str) -> None:
        names = [name for name, _size in await self._pieces(key)]
        if not names:
            return
        try:
            await obstore.delete_async(self._store, names)
        except _FAILED as error:
            raise StorageError(f"deleting a recording failed: {error}") from error
