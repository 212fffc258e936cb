from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.fixtures.database import create_scratch_database, drop_database, server_url
from tests.fixtures.jobs import drop_jobs_after, last_job_id
from tests.fixtures.receiver import Receiver, running_receiver
from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.jobs import JobContext, run_worker
from vivavoce.runtime import Database, job_registry, open_database
from vivavoce.workspaces import service as workspaces
from vivavoce.workspaces.scopes import ALL_SCOPES


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(
        env="test",
        secret_key="test-secret-" + "x" * 32,
        rate_limit_per_minute=100_000,
        rate_limit_burst=10_000,
        public_url="http://testserver",
        webhooks_allow_private=True,  # the test receivers listen on 127.0.0.1
        webhook_retry_schedule=[0.2, 0.4, 0.6],
        webhook_timeout_seconds=1.0,
        worker_heartbeat_seconds=2.0,
        # voice interviews have their own tests (tests/voice); elsewhere the join page offers
        # typing only and no process loads a speech model
        stt_provider="off",
        tts_provider="browser",
        # replies at once: the pace has its own tests (tests/web/test_join_pacing.py)
        interviewer_reveal_words_per_second=0.0,
    )


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[Database]:
    server = server_url()
    url, name = await create_scratch_database(server)
    database = await open_database(settings, url=url)
    try:
        yield database
    finally:
        await database.close()
        await drop_database(server, name)


@pytest.fixture(scope="session")
async def app(settings: Settings, database: Database) -> AsyncIterator[Any]:
    application = create_app(settings, database=database, with_worker=False, bootstrap=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(autouse=True)
async def own_job_queue(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Each test has the job queue to itself: the jobs it enqueued (a retry due later, a
    message no worker sent) are deleted when it ends, so no later test's worker runs them."""
    if "database" not in request.fixturenames:
        yield
        return
    database: Database = request.getfixturevalue("database")
    mark = await last_job_id(database)
    yield
    await drop_jobs_after(database, mark)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass
class Tenant:
    """A fresh workspace with a key holding every scope: each test gets its own."""

    id: uuid.UUID
    slug: str
    key: str
    database: Database

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.key}

    async def key_with(self, *scopes: str) -> dict[str, str]:
        async with unit_of_work(self.database.sessionmaker) as db:
            created = await workspaces.create_api_key(db, self.id, "scoped", list(scopes))
        return {"x-api-key": created.secret}


async def make_tenant(database: Database) -> Tenant:
    slug = "t-" + secrets.token_hex(5)
    async with unit_of_work(database.sessionmaker) as db:
        workspace = await workspaces.create_workspace(db, slug, "Test workspace")
        key = await workspaces.create_api_key(db, workspace.id, "test", list(ALL_SCOPES))
    return Tenant(id=workspace.id, slug=slug, key=key.secret, database=database)


@pytest.fixture
async def tenant(database: Database) -> Tenant:
    return await make_tenant(database)


@pytest.fixture
async def other_tenant(database: Database) -> Tenant:
    return await make_tenant(database)


@pytest.fixture
async def worker(database: Database, settings: Settings) -> AsyncIterator[None]:
    """A real background worker on the test database for the duration of a test."""
    stop = asyncio.Event()
    context = JobContext(settings=settings, sessionmaker=database.sessionmaker)
    task = asyncio.create_task(run_worker(database.url, job_registry(), context, stop))
    yield
    stop.set()
    await asyncio.wait_for(task, timeout=20)
    for resource in context.resources.values():
        if isinstance(resource, httpx.AsyncClient):
            await resource.aclose()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver on 127.0.0.1 verifying signatures with the public libraries."""
    async with running_receiver() as running:
        yield running
