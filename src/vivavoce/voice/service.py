"""Recordings: linking stored audio to sessions, serving it by signed link, erasing it.

Audio bytes never pass through the database: a session row holds only its recording's
storage key (`sessions.recording_key`).
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.config import Settings
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Forbidden, NotFound
from vivavoce.kit.jobs import enqueue
from vivavoce.sessions import recording_links as links
from vivavoce.sessions import service as sessions
from vivavoce.voice import marks
from vivavoce.voice.recordings import LocalRecordingStore, RecordingStore, StoredAudio
from vivavoce.voice.s3 import S3Location, S3RecordingStore

DELETE_RECORDINGS_JOB = "voice.delete_recordings"


def store_for(settings: Settings) -> RecordingStore:
    """The configured recordings store: a bucket of S3-compatible object storage when
    `recordings_s3_bucket` is set, else a local directory (see docs/voice.md). The S3 store
    is one per bucket and credentials for the life of the process, so its connections and
    refreshed credentials are reused by every request and job."""
    if settings.recordings_s3_bucket:
        secret = settings.recordings_s3_secret_access_key
        return _s3_store(
            S3Location(
                endpoint=settings.recordings_s3_endpoint,
                bucket=settings.recordings_s3_bucket,
                region=settings.recordings_s3_region,
                prefix=settings.recordings_s3_prefix,
                access_key_id=settings.recordings_s3_access_key_id,
                secret_access_key=secret.get_secret_value() if secret else None,
            )
        )
    return LocalRecordingStore(settings.recordings_path)


@functools.lru_cache(maxsize=8)
def _s3_store(location: S3Location) -> S3RecordingStore:
    return S3RecordingStore(location)


async def attach_recording(sessionmaker: Any, session_id: uuid.UUID, key: str) -> None:
    """Link a session to the audio stored under `key`, in its own short transaction."""
    async with unit_of_work(sessionmaker) as db:
        await sessions.attach_recording(db, session_id, key)


async def open_recording(
    db: AsyncSession,
    store: RecordingStore,
    secret_key: str,
    session_id: uuid.UUID,
    expires: int,
    signature: str,
    now: datetime,
) -> StoredAudio:
    """The audio behind a signed link: Forbidden when the link is expired or tampered
    with, NotFound when the session has no recording (or it was erased)."""
    if not links.link_valid(secret_key, session_id, expires, signature, now):
        raise Forbidden("this recording link is invalid or has expired", code="link_invalid")
    key = await sessions.recording_key(db, session_id)
    audio = None if key is None else await store.open(key)
    if audio is None:
        raise NotFound("recording")
    return audio


async def erase_recordings(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    """For a deletion request: unlink the participant's recordings now and delete the audio
    in a job that runs once this transaction commits."""
    keys = await sessions.take_recording_keys(db, workspace_id, participant_id)
    await marks.erase_marks(db, workspace_id, participant_id)
    if keys:
        await enqueue(db, DELETE_RECORDINGS_JOB, {"keys": keys})


async def delete_recordings(store: RecordingStore, keys: list[str]) -> None:
    for key in keys:
        await store.delete(key)
