"""The edge of every request: request ids, rate limits, body limits, malformed input."""

from __future__ import annotations

import json
import re
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile
from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.runtime import Database, database_on

PROFILES = "/api/v1/agent-profiles"


def assert_error_body(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) >= {"error", "code", "issues", "request_id"}
    assert body["code"] == code
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["issues"], list)
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_a_sane_request_id_is_echoed(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(
        PROFILES, headers={**tenant.headers, "x-request-id": "req-42.abc:retry_1"}
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-42.abc:retry_1"


@pytest.mark.parametrize("incoming", [None, "", "has spaces", "x" * 129, "<script>", "a/b"])
async def test_an_absent_or_odd_request_id_is_replaced(
    client: httpx.AsyncClient, incoming: str | None
) -> None:
    headers = {} if incoming is None else {"x-request-id": incoming}
    response = await client.get("/healthz", headers=headers)
    generated = response.headers["x-request-id"]
    assert generated != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", generated)


async def test_request_ids_are_distinct_per_request(client: httpx.AsyncClient) -> None:
    ids = {(await client.get("/healthz")).headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


async def test_error_bodies_carry_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get(PROFILES, headers={"x-request-id": "trace-me"})
    body = assert_error_body(response, 401, "unauthorized")
    assert body["request_id"] == "trace-me"


async def test_api_responses_carry_rate_limit_headers(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for response in (
        await client.get(PROFILES, headers=tenant.headers),
        await client.post(PROFILES, json=agent_profile(), headers=tenant.headers),
        await client.get(PROFILES),  # refused, still counted
        await client.get("/api/v1/no-such-thing", headers=tenant.headers),
    ):
        assert int(response.headers["ratelimit-limit"]) == 10_000
        assert 0 <= int(response.headers["ratelimit-remaining"]) < 10_000
        assert int(response.headers["ratelimit-reset"]) >= 0


@asynccontextmanager
async def client_with_budget(
    database: Database, per_minute: int, burst: int
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        env="test",
        secret_key="test-secret-" + "x" * 32,
        rate_limit_per_minute=per_minute,
        rate_limit_burst=burst,
        public_url="http://testserver",
    )
    app = create_app(settings, database=database, with_worker=False, bootstrap=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
async def limited_client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An app of its own whose keys may burst 3 requests, then 1 per second."""
    async with client_with_budget(database, per_minute=60, burst=3) as http:
        yield http


@pytest.fixture
async def slowly_refilled_client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """Bursts of 3 per key (15 per address) that refill so slowly (one per 12 s per address)
    that a loaded machine cannot earn an extra request in the middle of a test."""
    async with client_with_budget(database, per_minute=1, burst=3) as http:
        yield http


async def test_a_key_over_its_budget_gets_429_with_retry_after(
    limited_client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    allowed = [await limited_client.get(PROFILES, headers=tenant.headers) for _ in range(3)]
    assert [r.status_code for r in allowed] == [200, 200, 200]
    assert [r.headers["ratelimit-remaining"] for r in allowed] == ["2", "1", "0"]

    refused = await limited_client.get(PROFILES, headers=tenant.headers)
    assert_error_body(refused, 429, "rate_limited")
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit-limit"] == "3"
    assert refused.headers["ratelimit-remaining"] == "0"
    # Writes are refused too, and nothing is created.
    refused_post = await limited_client.post(PROFILES, json=agent_profile(), headers=tenant.headers)
    assert refused_post.status_code == 429

    # Another key has a budget of its own.
    assert (await limited_client.get(PROFILES, headers=other_tenant.headers)).status_code == 200


async def test_callers_without_a_key_are_limited_too(limited_client: httpx.AsyncClient) -> None:
    statuses = [(await limited_client.get(PROFILES)).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


async def test_health_endpoints_are_not_rate_limited(limited_client: httpx.AsyncClient) -> None:
    statuses = {(await limited_client.get("/healthz")).status_code for _ in range(10)}
    assert statuses == {200}


async def test_an_oversized_body_is_refused_with_413(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = json.dumps(agent_profile(persona="x" * 2_000_000))
    response = await client.post(
        PROFILES,
        content=body,
        headers={**tenant.headers, "content-type": "application/json"},
    )
    assert_error_body(response, 413, "payload_too_large")


async def _chunks(total: int) -> AsyncIterator[bytes]:
    yield b'{"name": "'
    for _ in range(total // 65_536):
        yield b"x" * 65_536
    yield b'"}'


@pytest.mark.parametrize("idempotent", [False, True])
async def test_an_oversized_chunked_body_is_refused_with_413(
    client: httpx.AsyncClient, tenant: Tenant, idempotent: bool
) -> None:
    headers = {**tenant.headers, "content-type": "application/json"}
    if idempotent:
        headers["idempotency-key"] = "chunked-too-large"
    response = await client.post(PROFILES, content=_chunks(2_000_000), headers=headers)
    assert "content-length" not in response.request.headers
    assert_error_body(response, 413, "payload_too_large")


MALFORMED = [
    b"{",
    b'{"name": }',
    b"[1, 2,",
    b'{"name": "Ada"',
    b"\xff\xfe{}",
    b"not json at all",
    b'{"a": NaN}',
    b"[" * 100_000 + b"]" * 100_000,
    b"1e999999",
]


@pytest.mark.parametrize("payload", MALFORMED, ids=range(len(MALFORMED)))
async def test_malformed_json_is_a_client_error_never_a_500(
    client: httpx.AsyncClient, tenant: Tenant, payload: bytes
) -> None:
    response = await client.post(
        PROFILES, content=payload, headers={**tenant.headers, "content-type": "application/json"}
    )
    body = assert_error_body(response, 422, response.json().get("code", "?"))
    assert body["code"] == "invalid"
    assert body["issues"]
    assert all({"path", "message"} <= set(issue) for issue in body["issues"])


async def test_invalid_json_syntax_names_the_body(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        PROFILES,
        content=b'{"name": }',
        headers={**tenant.headers, "content-type": "application/json"},
    )
    body = assert_error_body(response, 422, "invalid")
    assert body["issues"][0]["path"][0] == "body"
    assert "JSON" in body["issues"][0]["message"]


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
async def test_a_body_that_is_not_declared_json_is_refused_not_a_500(
    client: httpx.AsyncClient, tenant: Tenant, content_type: str | None
) -> None:
    headers = dict(tenant.headers)
    if content_type:
        headers["content-type"] = content_type
    response = await client.post(
        PROFILES, content=json.dumps(agent_profile()).encode(), headers=headers
    )
    assert response.status_code in (415, 422), response.text
    assert_error_body(response, response.status_code, response.json()["code"])


async def test_an_unknown_endpoint_is_a_json_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get("/api/v1/nothing-here", headers=tenant.headers)
    assert_error_body(response, 404, "not_found")


async def test_a_wrong_method_is_a_json_405(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.delete(PROFILES, headers=tenant.headers)
    assert_error_body(response, 405, "method_not_allowed")


async def test_an_unexpected_error_is_a_json_500_with_the_edge_headers(
    database: Database, settings: Settings
) -> None:
    app = create_app(settings, database=database, with_worker=False, bootstrap=False)

    @app.get("/api/v1/test-only/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/api/v1/test-only/boom", headers={"x-request-id": "r-500"})
    body = assert_error_body(response, 500, "internal_error")
    assert body["request_id"] == "r-500"
    assert "a bug" not in response.text
    assert "ratelimit-remaining" in response.headers


async def test_a_nul_character_is_refused_not_a_500(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for body in (
        agent_profile(name="Ada\u0000"),
        agent_profile(context={"organizationContext": "nul \u0000 inside"}),
    ):
        response = await client.post(PROFILES, json=body, headers=tenant.headers)
        error = assert_error_body(response, 422, "invalid")
        assert "NUL" in error["error"]
    listed = await client.get(PROFILES, headers=tenant.headers)
    assert listed.json()["data"] == []


@pytest.fixture
async def client_without_database(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app over a database that refuses connections (nothing listens on its port)."""
    from vivavoce.kit import db

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://postgres@127.0.0.1:{port}/gone"
    engine = db.create_engine(url, 2)
    down = database_on(url, engine)
    app = create_app(settings, database=down, with_worker=False, bootstrap=False)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                yield http
    finally:
        await engine.dispose()


async def test_a_database_outage_is_503_with_retry_after_not_500(
    client_without_database: httpx.AsyncClient,
) -> None:
    headers = {"x-api-key": "vv_live_" + "k" * 43}
    for response in (
        await client_without_database.get(PROFILES, headers=headers),
        await client_without_database.get(f"{PROFILES}/{uuid.uuid4()}", headers=headers),
        await client_without_database.post(PROFILES, json=agent_profile(), headers=headers),
        await client_without_database.post(
            PROFILES, json=agent_profile(), headers={**headers, "idempotency-key": "during-outage"}
        ),
    ):
        assert_error_body(response, 503, "unavailable")
        assert int(response.headers["retry-after"]) >= 1
    ready = await client_without_database.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "not_ready"
    assert (await client_without_database.get("/healthz")).status_code == 200


async def test_a_flood_of_made_up_keys_is_held_back_by_address(
    slowly_refilled_client: httpx.AsyncClient,
) -> None:
    statuses = [
        (
            await slowly_refilled_client.get(PROFILES, headers={"x-api-key": f"vv_live_fake{n}"})
        ).status_code
        for n in range(16)
    ]
    assert statuses[:15] == [401] * 15  # the address's budget is five keys' worth
    assert statuses[15] == 429
