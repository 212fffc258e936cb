"""POST /sessions answered before FastAPI's routing answers exactly as its endpoint does;
everything else, every error included, is left to the endpoint."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.world import add_participant, build_world, session_body
from vivavoce.api import fastwrite
from vivavoce.api.fastwrite import FastWrites


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each request the short way looked at: whether it answered (True) or passed it on."""
    outcomes: list[bool] = []
    original = FastWrites._answer

    async def spy(self: FastWrites, *args: Any) -> Any:
        response = await original(self, *args)
        outcomes.append(response is not None)
        return response

    monkeypatch.setattr(fastwrite.FastWrites, "_answer", spy)
    return outcomes


_VARYING = re.compile(
    r'"(id|candidate_id|join_url|application_id|created_at|updated_at|transcript_url)":"[^"]*"'
)


def _shape(response: httpx.Response) -> tuple[int, str, str, str]:
    """Status, the body without what differs between two sessions, and headers' shapes."""
    location = response.headers.get("location", "")
    return (
        response.status_code,
        _VARYING.sub(r'"\1":"…"', response.text),
        response.headers["content-type"],
        re.sub(r"[0-9a-f-]{36}$", "…", location),
    )


async def test_both_ways_schedule_alike(
    client: httpx.AsyncClient, tenant: Tenant, answered: list[bool]
) -> None:
    world = await build_world(client, tenant.headers)
    other = await add_participant(client, tenant.headers, world.template_id, "ada@example.com")
    body = session_body(world, scheduled_at="2036-12-01T09:30:00+01:00", notes="hi")
    short = await client.post("/api/v1/sessions", json=body, headers=tenant.headers)
    assert answered == [True]
    # a query string (here the key's own accountSlug) takes the endpoint's way
    long = await client.post(
        "/api/v1/sessions",
        params={"accountSlug": tenant.slug},
        json={**body, "candidate_id": other},
        headers=tenant.headers,
    )
    assert answered == [True]
    assert short.status_code == 201, short.text
    assert _shape(short) == _shape(long)
    for response in (short, long):
        assert response.headers["x-request-id"]
        assert response.headers["ratelimit-limit"]
        created = response.json()["data"]
        assert response.headers["location"] == f"/api/v1/sessions/{created['id']}"
        stored = await client.get(f"/api/v1/sessions/{created['id']}", headers=tenant.headers)
        assert stored.json()["data"] == created


async def test_errors_and_other_forms_are_left_to_the_endpoint(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, answered: list[bool]
) -> None:
    world = await build_world(client, tenant.headers)
    body = session_body(world)
    no_scope = await tenant.key_with("interviews.read")
    cases: list[tuple[dict[str, Any], Any, int, str]] = [
        (tenant.headers, {**body, "stage": "final"}, 422, "unknown_stage"),
        (tenant.headers, {**body, "candidate_id": world.template_id}, 404, "not_found"),
        (tenant.headers, {**body, "surprise": 1}, 422, "invalid"),
        (tenant.headers, {**body, "accountSlug": other_tenant.slug}, 403, "account_mismatch"),
        (tenant.headers, [body], 422, "invalid"),
        (other_tenant.headers, body, 404, "not_found"),
        (no_scope, body, 403, "missing_scope"),
        ({}, body, 401, "unauthorized"),
    ]
    for headers, sent, status, code in cases:
        answered.clear()
        response = await client.post("/api/v1/sessions", json=sent, headers=headers)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert answered == [False]
        assert response.headers["x-request-id"]
    # not JSON, not parseable, or an Idempotency-Key: never looked at, or passed on unread
    answered.clear()
    broken = await client.post(
        "/api/v1/sessions",
        content=b'{"candidate_id": ',
        headers={**tenant.headers, "content-type": "application/json"},
    )
    assert broken.status_code == 422 and answered == [False]
    answered.clear()
    form = await client.post("/api/v1/sessions", data={"a": "b"}, headers=tenant.headers)
    assert form.status_code == 422 and answered == []
    keyed = await client.post(
        "/api/v1/sessions", json=body, headers={**tenant.headers, "idempotency-key": "k-1"}
    )
    again = await client.post(
        "/api/v1/sessions", json=body, headers={**tenant.headers, "idempotency-key": "k-1"}
    )
    assert keyed.status_code == 201 and answered == []
    assert again.json() == keyed.json()  # replayed by IdempotencyMiddleware
    duplicate = await client.post("/api/v1/sessions", json=body, headers=tenant.headers)
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "duplicate_session")
    assert answered == [False]  # the service refused it: rolled back, then the endpoint's way
