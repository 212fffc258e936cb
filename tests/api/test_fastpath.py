"""The hot reads answered before FastAPI's routing answer exactly as their endpoints do."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile
from tests.fixtures.world import build_world, created, session_body
from vivavoce.api import fastpath
from vivavoce.api.fastpath import FastReads


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each request the short way looked at: whether it answered (True) or passed it on."""
    outcomes: list[bool] = []
    original = FastReads._answer

    async def spy(self: FastReads, *args: Any) -> Any:
        response = await original(self, *args)
        outcomes.append(response is not None)
        return response

    monkeypatch.setattr(fastpath.FastReads, "_answer", spy)
    return outcomes


def same(short: httpx.Response, long: httpx.Response) -> None:
    assert short.status_code == long.status_code == 200
    assert short.json() == long.json()
    assert short.headers["content-type"] == long.headers["content-type"]
    for response in (short, long):
        assert response.headers["x-request-id"]
        assert response.headers["ratelimit-limit"]


async def test_both_ways_give_the_same_profile_and_session(
    client: httpx.AsyncClient, tenant: Tenant, answered: list[bool]
) -> None:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    for path in (f"/api/v1/agent-profiles/{world.profile_id}", f"/api/v1/sessions/{session['id']}"):
        answered.clear()
        short = await client.get(path, headers=tenant.headers)
        assert answered == [True]
        # A query string (here the key's own accountSlug) takes the endpoint's way.
        long = await client.get(path, params={"accountSlug": tenant.slug}, headers=tenant.headers)
        assert answered == [True]
        same(short, long)
        bearer = await client.get(path, headers={"authorization": f"Bearer {tenant.key}"})
        assert answered == [True, True]
        same(bearer, long)


async def test_errors_are_left_to_the_endpoint(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, answered: list[bool]
) -> None:
    profile = await created(
        await client.post(
            "/api/v1/agent-profiles",
            json=agent_profile(),
            headers=tenant.headers,
        )
    )
    path = f"/api/v1/agent-profiles/{profile['id']}"
    no_scope = await tenant.key_with("webhooks.read")
    cases = [
        (other_tenant.headers, 404, "not_found"),
        ({"x-api-key": "vv_live_" + "x" * 43}, 401, "unauthorized"),
        ({}, 401, "unauthorized"),
        (no_scope, 403, "missing_scope"),
    ]
    for headers, status, code in cases:
        response = await client.get(path, headers=headers)
        assert response.status_code == status
        body = response.json()
        assert body["code"] == code
        assert body["request_id"] == response.headers["x-request-id"]
    assert answered == [False] * len(cases)
    bad_id = await client.get("/api/v1/agent-profiles/" + "z" * 36, headers=tenant.headers)
    assert bad_id.status_code == 422
    assert answered == [False] * (len(cases) + 1)
