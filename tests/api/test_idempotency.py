"""`Idempotency-Key` on POST (SPEC §3): one execution, the first response replayed."""

from __future__ import annotations

import asyncio
import json

import httpx
from sqlalchemy import select, update

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile
from vivavoce.idempotency import service as idempotency
from vivavoce.kit import crypto
from vivavoce.models import IdempotencyKey
from vivavoce.runtime import Database

PROFILES = "/api/v1/agent-profiles"


async def count_profiles(client: httpx.AsyncClient, tenant: Tenant) -> int:
    response = await client.get(PROFILES, params={"limit": 100}, headers=tenant.headers)
    assert response.status_code == 200
    return len(response.json()["data"])


async def test_a_retry_replays_the_first_response_and_creates_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "idempotency-key": "create-ada-1"}
    first = await client.post(PROFILES, json=agent_profile(), headers=headers)
    second = await client.post(PROFILES, json=agent_profile(), headers=headers)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert second.status_code == 201
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    assert await count_profiles(client, tenant) == 1


async def test_a_replay_of_a_client_error_is_the_same_error(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "idempotency-key": "bad-body"}
    first = await client.post(PROFILES, json={"name": "no persona"}, headers=headers)
    second = await client.post(PROFILES, json={"name": "no persona"}, headers=headers)
    assert first.status_code == second.status_code == 422
    assert second.json()["issues"] == first.json()["issues"]
    assert second.headers["idempotent-replayed"] == "true"


async def test_the_same_key_with_another_body_is_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "idempotency-key": "create-ada-2"}
    first = await client.post(PROFILES, json=agent_profile(), headers=headers)
    assert first.status_code == 201
    other = await client.post(PROFILES, json=agent_profile(name="Grace"), headers=headers)
    assert other.status_code == 422
    body = other.json()
    assert body["code"] == "idempotency_key_reused"
    assert body["request_id"] == other.headers["x-request-id"]
    assert await count_profiles(client, tenant) == 1


async def test_the_same_key_on_another_path_is_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "idempotency-key": "create-ada-3"}
    first = await client.post(PROFILES, json=agent_profile(), headers=headers)
    assert first.status_code == 201
    forked = await client.post(
        PROFILES, params={"action": "fork"}, json=agent_profile(), headers=headers
    )
    assert forked.status_code == 422
    assert forked.json()["code"] == "idempotency_key_reused"


async def test_an_overlong_or_empty_key_is_malformed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for key in ("k" * 256, ""):
        response = await client.post(
            PROFILES, json=agent_profile(), headers={**tenant.headers, "idempotency-key": key}
        )
        assert response.status_code == 422
        assert response.json()["code"] == "invalid"
        assert "x-request-id" in response.headers
    longest = await client.post(
        PROFILES, json=agent_profile(), headers={**tenant.headers, "idempotency-key": "k" * 255}
    )
    assert longest.status_code == 201
    assert await count_profiles(client, tenant) == 1


async def test_concurrent_requests_with_one_key_execute_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "idempotency-key": "racing"}
    body = agent_profile()
    responses = await asyncio.gather(
        *(client.post(PROFILES, json=body, headers=headers) for _ in range(5))
    )
    executed = [r for r in responses if "idempotent-replayed" not in r.headers]
    originals = [r for r in executed if r.status_code == 201]
    assert len(originals) == 1
    for response in responses:
        if response.headers.get("idempotent-replayed") == "true":
            assert response.content == originals[0].content
        elif response is not originals[0]:
            assert response.status_code == 409
            assert response.json()["code"] == "idempotency_in_flight"
            assert int(response.headers["retry-after"]) >= 1
    assert await count_profiles(client, tenant) == 1


async def test_keys_belong_to_a_workspace(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ours = await client.post(
        PROFILES, json=agent_profile(), headers={**tenant.headers, "idempotency-key": "shared"}
    )
    theirs = await client.post(
        PROFILES,
        json=agent_profile(),
        headers={**other_tenant.headers, "idempotency-key": "shared"},
    )
    assert ours.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert ours.json()["data"]["id"] != theirs.json()["data"]["id"]
    assert await count_profiles(client, tenant) == 1
    assert await count_profiles(client, other_tenant) == 1


async def test_a_key_without_a_valid_api_key_is_just_unauthorized(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        PROFILES,
        content=json.dumps(agent_profile()),
        headers={"content-type": "application/json", "idempotency-key": "anon"},
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


async def test_gets_ignore_the_header(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = {**tenant.headers, "idempotency-key": "a-get"}
    first = await client.get(PROFILES, headers=headers)
    await client.post(PROFILES, json=agent_profile(), headers=tenant.headers)
    second = await client.get(PROFILES, headers=headers)
    assert "idempotent-replayed" not in second.headers
    assert len(second.json()["data"]) == len(first.json()["data"]) + 1


async def test_a_refusal_for_a_missing_scope_is_not_replayed_to_a_better_key(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    weak = await tenant.key_with("candidates.read")
    headers = {"Idempotency-Key": "scope-then-ok"}
    refused = await client.post(PROFILES, json=agent_profile(), headers=weak | headers)
    assert refused.status_code == 403
    accepted = await client.post(PROFILES, json=agent_profile(), headers=tenant.headers | headers)
    assert accepted.status_code == 201
    assert "idempotent-replayed" not in accepted.headers


async def test_a_reply_kept_for_replay_holds_no_secret_in_the_clear(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    """A new webhook endpoint's signing secret is shown once; the copy kept for a retry is
    encrypted, and the retry still gets the same secret."""
    headers = {**tenant.headers, "idempotency-key": "hook-with-secret"}
    body = {"url": "http://127.0.0.1:9/hook", "events": []}
    first = await client.post("/api/v1/webhook-endpoints", json=body, headers=headers)
    assert first.status_code == 201, first.text
    secret = first.json()["data"]["secret"]
    async with database.sessionmaker() as db:
        stored = await db.scalar(
            select(IdempotencyKey.response_body).where(
                IdempotencyKey.workspace_id == tenant.id, IdempotencyKey.key == "hook-with-secret"
            )
        )
    assert stored
    assert secret.encode() not in stored
    assert b'"data"' not in stored  # nothing of the reply is readable
    again = await client.post("/api/v1/webhook-endpoints", json=body, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["data"]["secret"] == secret


async def test_a_reply_sealed_under_a_removed_secret_is_a_clear_409_and_runs_nothing(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    headers = {**tenant.headers, "idempotency-key": "sealed-long-ago"}
    first = await client.post(PROFILES, json=agent_profile(), headers=headers)
    assert first.status_code == 201
    elsewhere = crypto.seal_bytes("a-secret-since-removed", idempotency._SEAL_PURPOSE, b"{}")
    async with database.sessionmaker() as db:
        await db.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.workspace_id == tenant.id, IdempotencyKey.key == "sealed-long-ago"
            )
            .values(response_body=elsewhere)
        )
        await db.commit()
    again = await client.post(PROFILES, json=agent_profile(), headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "idempotency_reply_unreadable"
    assert await count_profiles(client, tenant) == 1
