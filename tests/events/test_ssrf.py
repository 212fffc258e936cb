"""Webhook targets on private, loopback or link-local addresses are refused."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.events.conftest import register
from tests.fixtures.receiver import Receiver
from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.kit import ssrf
from vivavoce.kit.jobs import JobContext, run_worker
from vivavoce.runtime import Database, job_registry

FORBIDDEN = [
    "http://127.0.0.1/hook",
    "http://127.8.9.10:8080/hook",
    "http://[::1]/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.5/hook",
    "http://192.168.1.20/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://0.0.0.0/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://[fe80::1]/hook",
    "http://localhost:9/hook",  # a name that resolves to loopback
    "http://224.0.0.1/hook",
]
ALWAYS_FORBIDDEN = [
    "http://169.254.169.254/latest/meta-data",
    "http://[fe80::1]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://0.0.0.0/hook",
    # reserved, broadcast, benchmarking, documentation and IETF protocol ranges: Python calls
    # them "private", but no receiver lives there
    "http://240.0.0.1/hook",
    "http://255.255.255.255/hook",
    "http://198.18.0.1/hook",
    "http://192.0.2.1/hook",
    "http://203.0.113.5/hook",
    "http://192.0.0.8/hook",
    "http://[2001:db8::1]/hook",
]


@pytest.fixture
async def strict_client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    strict = settings.model_copy(update={"webhooks_allow_private": False})
    app = create_app(strict, database=database, with_worker=False, bootstrap=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.mark.parametrize("url", FORBIDDEN)
async def test_private_and_special_targets_are_refused_at_registration(
    strict_client: httpx.AsyncClient, tenant: Tenant, url: str
) -> None:
    response = await strict_client.post(
        "/api/v1/webhook-endpoints", json={"url": url}, headers=tenant.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "unsafe_url"
    assert response.json()["issues"][0]["path"] == ["body", "url"]


@pytest.mark.parametrize("url", ALWAYS_FORBIDDEN)
async def test_link_local_and_unspecified_stay_refused_when_private_targets_are_allowed(
    client: httpx.AsyncClient, tenant: Tenant, url: str
) -> None:
    response = await client.post(
        "/api/v1/webhook-endpoints", json={"url": url}, headers=tenant.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unsafe_url"


@pytest.mark.parametrize(
    "address", ["10.0.0.1", "172.31.255.1", "192.168.0.1", "100.64.0.1", "127.0.0.1", "fd00::1"]
)
def test_only_loopback_and_private_ranges_open_with_the_setting(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert ssrf.refusal(ip, allow_private=True) is None
    refused = ssrf.refusal(ip, allow_private=False)
    assert refused is not None and "VIVAVOCE_WEBHOOKS_ALLOW_PRIVATE" in refused


def test_ipv6_wrappers_of_ipv4_are_judged_by_the_ipv4_inside() -> None:
    for wrapped in ("::ffff:10.0.0.1", "2002:0a00:0001::", "64:ff9b::a9fe:a9fe"):
        reason = ssrf.refusal(ipaddress.ip_address(wrapped), allow_private=False)
        assert reason is not None, wrapped
    assert ssrf.refusal(ipaddress.ip_address("93.184.216.34"), allow_private=False) is None


async def test_the_checked_address_is_what_the_request_connects_to() -> None:
    target = await ssrf.resolve("https://localhost:8443/path?q=1", allow_private=True)
    assert target.connect_url in ("https://127.0.0.1:8443/path?q=1", "https://[::1]:8443/path?q=1")
    assert target.host_header == "localhost:8443"
    assert target.sni_hostname == "localhost"


async def test_a_target_that_became_unsafe_is_never_contacted_at_delivery(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    database: Database,
    settings: Settings,
) -> None:
    endpoint = await register(client, tenant, receiver)  # allowed while private targets are
    strict = settings.model_copy(
        update={"webhooks_allow_private": False, "webhook_retry_schedule": []}
    )
    stop = asyncio.Event()
    context = JobContext(settings=strict, sessionmaker=database.sessionmaker)
    worker = asyncio.create_task(run_worker(database.url, job_registry(), context, stop))
    try:
        await client.post(
            f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers
        )
        delivery: dict[str, Any] = {}
        for _ in range(200):
            listed = await client.get(
                f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=tenant.headers
            )
            delivery = listed.json()["data"][0]
            if delivery["status"] != "pending":
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=20)
    assert delivery["status"] == "failed"
    assert "loopback" in delivery["attempt_log"][0]["error"]
    assert receiver.received == []
    assert receiver.unverified == []
