"""Recordings in S3-compatible object storage, against a real S3 server on 127.0.0.1 (moto's
server, run in a thread), the bucket checked independently with boto3."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from unittest import mock

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from tests.conftest import Tenant
from tests.fixtures.cluster import free_port
from tests.fixtures.world import build_world, created, session_body
from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.kit.jobs import JobContext, run_worker
from vivavoce.runtime import Database, job_registry
from vivavoce.voice import service
from vivavoce.voice.audio import from_wav
from vivavoce.voice.recordings import recording_key
from vivavoce.voice.s3 import S3Location, S3RecordingStore, StorageError

AUDIO = bytes(range(256)) * 125  # one second of 16 kHz 16-bit audio
KEY_ID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


class S3Server:
    def __init__(self, endpoint: str, bucket: str) -> None:
        self.endpoint = endpoint
        self.bucket = bucket
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
        )
        self.client.create_bucket(Bucket=bucket)

    def names(self, prefix: str = "") -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for item in listed.get("Contents", [])]

    def store(self, prefix: str = "recordings/") -> S3RecordingStore:
        return S3RecordingStore(self.location(prefix=prefix))

    def location(self, **changes: Any) -> S3Location:
        fields: dict[str, Any] = {
            "endpoint": self.endpoint,
            "bucket": self.bucket,
            "access_key_id": KEY_ID,
            "secret_access_key": SECRET,
            **changes,
        }
        return S3Location(**fields)


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(f"http://127.0.0.1:{port}", "vivavoce-" + uuid.uuid4().hex[:8])
    finally:
        server.stop()


def new_key() -> str:
    return recording_key(uuid.uuid4(), uuid.uuid4())


async def read_all(store: S3RecordingStore, key: str) -> bytes | None:
    audio = await store.open(key)
    if audio is None:
        return None
    data = b"".join([chunk async for chunk in audio.chunks])
    assert len(data) == audio.size
    return data


async def test_appended_audio_reads_back_in_order_and_delete_removes_every_object(
    s3: S3Server,
) -> None:
    store, key = s3.store(), new_key()
    assert await store.open(key) is None  # nothing stored yet
    pieces = [AUDIO[:8000], AUDIO[8000:8002], AUDIO[8002:]]
    for piece in pieces:
        await store.append(key, piece)
    assert await read_all(store, key) == AUDIO
    names = s3.names(f"recordings/{key}/")
    assert len(names) == 3 and all(name.endswith(".pcm") for name in names)
    other = new_key()
    await store.append(other, b"\x01\x02")  # another session's recording is left alone

    await store.delete(key)
    assert s3.names(f"recordings/{key}/") == []
    assert await store.open(key) is None
    await store.delete(key)  # idempotent: already gone
    assert await read_all(store, other) == b"\x01\x02"


async def test_a_recording_of_more_pieces_than_a_page_reads_and_deletes_whole(
    s3: S3Server,
) -> None:
    """Past 1000 objects a listing takes two pages and a deletion two DeleteObjects batches."""
    store, key = s3.store(prefix="paged/"), new_key()
    count = 1003
    limit = asyncio.Semaphore(16)

    async def put(n: int) -> None:
        async with limit:
            await store.append(key, n.to_bytes(2, "little"))

    for n in range(3):  # in order, so the reading order can be checked
        await put(n)
    await asyncio.gather(*(put(n) for n in range(3, count)))
    data = await read_all(store, key)
    assert data is not None and len(data) == 2 * count
    assert data[:6] == b"".join(n.to_bytes(2, "little") for n in range(3))
    assert len(s3.names(f"paged/{key}/")) == 1000  # boto3's one page
    await store.delete(key)
    assert s3.names(f"paged/{key}/") == []


async def test_keys_are_checked_and_a_missing_bucket_is_an_error(s3: S3Server) -> None:
    with pytest.raises(ValueError, match="invalid recording key"):
        await s3.store().append("../../etc/passwd", b"x")
    missing = S3RecordingStore(s3.location(bucket="no-such-bucket"))
    with pytest.raises(StorageError, match="storing audio failed"):
        await missing.append(new_key(), b"x")
    unreachable = S3RecordingStore(
        s3.location(endpoint=f"http://127.0.0.1:{free_port()}", max_retries=1, timeout=2.0)
    )
    with pytest.raises(StorageError, match="listing a recording failed"):
        await unreachable.open(new_key())


async def test_without_static_keys_the_default_credential_chain_signs(s3: S3Server) -> None:
    """Temporary credentials from the environment (as an IAM role hands them out) are used
    when the settings name no keys."""
    key = new_key()
    environment = {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": "temporary-session-token",
    }
    with mock.patch.dict(os.environ, environment):
        store = S3RecordingStore(s3.location(access_key_id=None, secret_access_key=None))
    await store.append(key, b"\x05\x06")
    assert await read_all(store, key) == b"\x05\x06"
    await store.delete(key)


def test_settings_choose_one_store_per_bucket_and_keys_come_in_pairs(s3: S3Server) -> None:
    assert not isinstance(service.store_for(Settings(env="test")), S3RecordingStore)
    configured = Settings(
        env="test",
        recordings_s3_bucket=s3.bucket,
        recordings_s3_endpoint=s3.endpoint,
        recordings_s3_access_key_id=KEY_ID,
        recordings_s3_secret_access_key=SECRET,
    )
    chosen = service.store_for(configured)
    assert isinstance(chosen, S3RecordingStore) and chosen.prefix == "recordings/"
    assert service.store_for(configured.model_copy()) is chosen  # one client, reused
    assert SECRET not in repr(chosen.location)
    chain = service.store_for(Settings(env="test", recordings_s3_bucket="b"))
    assert isinstance(chain, S3RecordingStore) and chain.location.access_key_id is None
    with pytest.raises(ValueError, match="set together"):
        Settings(env="test", recordings_s3_bucket="b", recordings_s3_access_key_id=KEY_ID)
    with pytest.raises(ValueError, match="http"):
        Settings(
            env="test",
            recordings_s3_bucket="b",
            recordings_s3_endpoint="s3.example.com",
            recordings_s3_access_key_id=KEY_ID,
            recordings_s3_secret_access_key=SECRET,
        )


@pytest.fixture
async def s3_settings(settings: Settings, s3: S3Server) -> Settings:
    return settings.model_copy(
        update={
            "recordings_s3_bucket": s3.bucket,
            "recordings_s3_endpoint": s3.endpoint,
            "recordings_s3_access_key_id": KEY_ID,
            "recordings_s3_secret_access_key": SecretStr(SECRET),
            "recordings_s3_prefix": "purge/",
        }
    )


@pytest.fixture
async def s3_client(s3_settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(s3_settings, database=database, with_worker=False, bootstrap=False)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_a_recording_in_object_storage_is_served_and_purged(
    s3_client: httpx.AsyncClient,
    s3_settings: Settings,
    tenant: Tenant,
    database: Database,
    s3: S3Server,
) -> None:
    client = s3_client
    world = await build_world(client, tenant.headers, email=f"s3-{uuid.uuid4().hex[:8]}@x.org")
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    store = service.store_for(s3_settings)
    key = recording_key(tenant.id, session["id"])
    await store.append(key, AUDIO[:16_000])
    await store.append(key, AUDIO[16_000:])
    await service.attach_recording(database.sessionmaker, uuid.UUID(session["id"]), key)
    read = await client.get(f"/api/v1/sessions/{session['id']}", headers=tenant.headers)
    served = await client.get(read.json()["data"]["recording_url"])
    assert served.status_code == 200
    assert from_wav(served.content) == (AUDIO, 16_000)

    stop = asyncio.Event()
    context = JobContext(settings=s3_settings, sessionmaker=database.sessionmaker)
    worker = asyncio.create_task(run_worker(database.url, job_registry(), context, stop))
    try:
        purged = await client.delete(
            f"/api/v1/participants/{world.participant_id}?purge=true", headers=tenant.headers
        )
        assert purged.status_code == 200, purged.text
        for _ in range(100):  # the objects go in a job after the purge commits
            if not s3.names(f"purge/{key}/"):
                break
            await asyncio.sleep(0.1)
        assert s3.names(f"purge/{key}/") == []
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=20)
