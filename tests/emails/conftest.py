from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer, eventually
from tests.fixtures.world import World, build_world, created, session_body
from vivavoce.config import Settings
from vivavoce.kit.jobs import JobContext, run_worker
from vivavoce.runtime import Database, job_registry


@pytest.fixture
def smtp_server() -> Any:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def smtp_settings_for(settings: Settings, server: SmtpServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": server.port,
            "smtp_starttls": False,
            "smtp_timeout_seconds": 5.0,
            "smtp_from": "Acme Talent <talent@acme.example>",
        }
    )


@pytest.fixture
def smtp_settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return smtp_settings_for(settings, smtp_server)


@pytest.fixture
async def smtp_worker(database: Database, smtp_settings: Settings) -> AsyncIterator[None]:
    """A real worker whose settings point at the test SMTP server."""
    stop = asyncio.Event()
    context = JobContext(settings=smtp_settings, sessionmaker=database.sessionmaker)
    task = asyncio.create_task(run_worker(database.url, job_registry(), context, stop))
    yield
    stop.set()
    await asyncio.wait_for(task, timeout=20)


def unique_email(name: str = "grace") -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.com"


async def world_for(client: httpx.AsyncClient, tenant: Tenant, email: str) -> World:
    return await build_world(client, tenant.headers, stages=("screen",), email=email)


async def schedule(
    client: httpx.AsyncClient, tenant: Tenant, world: World, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/sessions", json=session_body(world, **extra), headers=tenant.headers
    )
    return await created(response)


async def emails_of(
    client: httpx.AsyncClient, tenant: Tenant, **filters: str
) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/emails", params=filters, headers=tenant.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def wait_for_status(
    client: httpx.AsyncClient, tenant: Tenant, email_id: str, status: str, within: float = 20
) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        response = await client.get(f"/api/v1/emails/{email_id}", headers=tenant.headers)
        data: dict[str, Any] = response.json()["data"]
        return data if data["status"] == status else None

    found: dict[str, Any] = await eventually(check, within=within)
    return found
