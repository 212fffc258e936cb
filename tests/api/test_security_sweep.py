"""Hostile input against every operation of the published API (SPEC §3), generated from the
OpenAPI document so that new endpoints are swept without editing this file; plus join-token
guessing. (No key, revoked keys and missing scopes: `test_auth_sweep.py`; the SSRF guard
itself: `tests/events/test_ssrf.py`.)

- another workspace's ids: 404 `not_found` on every operation with an id in its path, and the
  owner's objects unchanged afterwards;
- a body over the limit: 413 `payload_too_large` on every operation that takes a body;
- malformed JSON: 400/422 with the error body on every operation that takes a body;
- webhook SSRF: every URL field of every operation refuses link-local and unspecified
  targets (cloud metadata) even with private targets allowed, and changes nothing;
- guessing join tokens: after a few unknown tokens from one address, 429 — even for a
  token that exists — while other addresses are unaffected.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api.test_auth_sweep import PROTECTED, Operation
from tests.conftest import Tenant
from tests.events.test_ssrf import ALWAYS_FORBIDDEN
from tests.fixtures.receiver import Receiver
from tests.fixtures.world import build_world, created, session_body
from vivavoce.web import join

WITH_IDS = [op for op in PROTECTED if "{" in op.path]
WITH_BODY = [op for op in PROTECTED if op.has_body]


async def owned_objects(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> dict[str, str]:
    """One object of every collection, owned by `tenant`: collection path -> id."""
    headers = tenant.headers
    world = await build_world(client, headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=headers)
    )
    endpoint = await created(
        await client.post(
            "/api/v1/webhook-endpoints", json={"url": receiver.url(), "events": []}, headers=headers
        )
    )
    sent = await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=headers)
    assert sent.status_code in (200, 201, 202), sent.text
    deliveries = await client.get(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=headers
    )
    applications = await client.get("/api/v1/applications", headers=headers)
    emails = await client.get("/api/v1/emails", headers=headers)
    assert emails.json()["data"], "scheduling a session writes its invite to the outbox"
    problem = await created(
        await client.post("/api/v1/coding-problems", json=coding_problem(world), headers=headers)
    )
    execution = await client.post(
        "/api/v1/code-executions",
        json={"language": "python", "source": "x = 1", "problem_id": problem["id"], "wait": False},
        headers=headers,
    )
    assert execution.status_code == 202, execution.text
    return {
        "/api/v1/agent-profiles": world.profile_id,
        "/api/v1/evaluation-templates": world.template_id,
        "/api/v1/evaluation-stages": world.stage_ids["screen"],
        "/api/v1/participants": world.participant_id,
        "/api/v1/sessions": session["id"],
        "/api/v1/applications": applications.json()["data"][0]["id"],
        "/api/v1/webhook-endpoints": endpoint["id"],
        "/api/v1/webhook-deliveries": deliveries.json()["data"][0]["id"],
        "/api/v1/emails": emails.json()["data"][0]["id"],
        "/api/v1/coding-problems": problem["id"],
        "/api/v1/code-executions": execution.json()["data"]["id"],
    }


def coding_problem(world: Any) -> dict[str, Any]:
    return {
        "evaluation_stage_id": world.stage_ids["screen"],
        "title": "Identity",
        "statement": "Return x.",
        "entry": "f",
        "languages": ["python"],
        "visible_tests": [{"args": [1], "expected": 1}],
    }


def collection_of(operation: Operation) -> str:
    return operation.path[: operation.path.index("/{")]


def url_with(operation: Operation, object_id: str, inner: dict[str, str] | None = None) -> str:
    """The path with `object_id` in its first placeholder and `inner` (placeholder name ->
    id) in the others (`/evaluation-templates/{template_id}/shortlist/{candidate_id}`)."""
    url = re.sub(r"\{[^}]+\}", object_id, operation.path, count=1)
    for name, value in (inner or {}).items():
        url = url.replace(f"{{{name}}}", value)
    return url


async def snapshot(client: httpx.AsyncClient, tenant: Tenant, owned: dict[str, str]) -> list[Any]:
    """What the owner sees of each object (and of the webhook endpoint's deliveries)."""
    readable = {op.path[: op.path.index("/{")] for op in WITH_IDS if op.method == "get"}
    urls = [f"{c}/{i}" for c, i in owned.items() if c in readable]
    urls.append(f"/api/v1/webhook-endpoints/{owned['/api/v1/webhook-endpoints']}/deliveries")
    views = []
    for url in urls:
        response = await client.get(url, headers=tenant.headers)
        assert response.status_code == 200, response.text
        views.append((url, response.json()))
    return views


def test_every_collection_with_ids_is_covered() -> None:
    known = {
        "/api/v1/agent-profiles",
        "/api/v1/evaluation-templates",
        "/api/v1/evaluation-stages",
        "/api/v1/participants",
        "/api/v1/sessions",
        "/api/v1/applications",
        "/api/v1/webhook-endpoints",
        "/api/v1/webhook-deliveries",
        "/api/v1/emails",
        "/api/v1/coding-problems",
        "/api/v1/code-executions",
    }
    missing = {collection_of(op) for op in WITH_IDS} - known
    assert not missing, f"add an owned object for {missing} to owned_objects()"


async def test_another_workspaces_ids_are_404_everywhere(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, receiver: Receiver
) -> None:
    owned = await owned_objects(client, tenant, receiver)
    before = await snapshot(client, tenant, owned)
    wrong = []
    for operation in WITH_IDS:
        inner = {"candidate_id": owned["/api/v1/participants"]}
        url = url_with(operation, owned[collection_of(operation)], inner)
        bodies: list[dict[str, Any] | None] = [{}] if operation.has_body else [None]
        for body in bodies + (
            [
                {"scheduled_at": "2031-01-01T10:00:00Z", "name": "x"},
                {"action": "confirm", "version": 0, "reason": "checked"},  # a scorecard review
                {"decision": "hire", "reason": "checked"},  # a final review's decision
                {"phone": "+14155550123"},  # a phone interview's number
                {  # a manual review's scorecard
                    "dimensions": [{"dimension_id": "overall", "score": 5}],
                    "decision": "advance",
                },
            ]
            if operation.has_body
            else []
        ):
            response = await client.request(
                operation.method.upper(),
                url,
                headers=other_tenant.headers,
                json=body,
                params={"purge": "true"} if operation.method == "delete" else None,
            )
            if response.status_code == 422:
                continue  # the body was refused before the lookup; the other body reaches it
            if response.status_code != 404 or response.json().get("code") != "not_found":
                wrong.append(f"{operation.name}: {response.status_code} {response.text[:200]}")
            break
        else:
            wrong.append(f"{operation.name}: every body was refused before the lookup")
    assert not wrong, "\n".join(wrong)
    assert await snapshot(client, tenant, owned) == before  # nothing of the owner changed


@pytest.mark.parametrize("operation", WITH_BODY, ids=lambda op: op.name)
async def test_an_oversized_body_is_413(
    client: httpx.AsyncClient, tenant: Tenant, operation: Operation, settings: Any
) -> None:
    body = b'{"x": "' + b"a" * (settings.max_body_bytes + 10) + b'"}'
    response = await client.request(
        operation.method.upper(),
        operation.url(),
        headers={**tenant.headers, "content-type": "application/json"},
        content=body,
    )
    assert response.status_code == 413, f"{operation.name}: {response.text[:300]}"
    assert response.json()["code"] == "payload_too_large"


@pytest.mark.parametrize("operation", WITH_BODY, ids=lambda op: op.name)
async def test_malformed_json_is_a_client_error(
    client: httpx.AsyncClient, tenant: Tenant, operation: Operation
) -> None:
    for raw in (b'{"name": ', b"\xff\xfe not json", b"[1, 2", b'{"a": 1}}', b"\x00"):
        response = await client.request(
            operation.method.upper(),
            operation.url(),
            headers={**tenant.headers, "content-type": "application/json"},
            content=raw,
        )
        assert response.status_code in (400, 422), f"{operation.name} {raw!r}: {response.text}"
        body = response.json()
        assert body["code"] and body["error"] and body["request_id"], body


async def test_guessing_join_tokens_is_throttled(
    app: Any, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    real = session["join_url"].rsplit("/", 1)[-1]

    def from_address(host: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(host, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async with from_address("203.0.113.7") as guesser, from_address("198.51.100.9") as other:
        assert (await guesser.get(f"/join/{real}")).status_code == 200
        codes = [(await guesser.get(f"/join/guess{n:04d}xyz")).status_code for n in range(30)]
        assert codes[: join.TOKEN_MISS_BURST - 1] == [404] * (join.TOKEN_MISS_BURST - 1)
        assert codes[-5:] == [429] * 5, codes
        locked = await guesser.get(f"/join/{real}")  # a right guess is refused too
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) >= 1
        assert "Too many attempts" in locked.text
        assert (await other.get(f"/join/{real}")).status_code == 200  # others unaffected
        assert (await other.get("/join/nope")).status_code == 404


def url_operations() -> list[tuple[Operation, str]]:
    """Every operation whose request body has a URL field the server will call (webhook
    targets), found in the OpenAPI document: (operation, field)."""
    from vivavoce.app import create_app
    from vivavoce.config import Settings

    document = create_app(Settings(env="test")).openapi()
    schemas = document.get("components", {}).get("schemas", {})
    found = []
    for operation in WITH_BODY:
        spec = document["paths"][operation.path][operation.method]
        content = spec["requestBody"]["content"].get("application/json", {})
        schema = content.get("schema", {})
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        for name in schema.get("properties", {}):
            if name == "url" or (name.endswith("_url") and "webhook" in operation.path):
                found.append((operation, name))
    return found


URL_OPERATIONS = url_operations()


def test_the_ssrf_sweep_sees_the_webhook_targets() -> None:
    names = {op.name for op, _ in URL_OPERATIONS}
    assert "POST /api/v1/webhook-endpoints" in names
    assert "PATCH /api/v1/webhook-endpoints/{endpoint_id}" in names or any(
        name.startswith("PATCH /api/v1/webhook-endpoints/") for name in names
    )


@pytest.mark.parametrize("target", ALWAYS_FORBIDDEN)
async def test_every_url_field_refuses_link_local_targets(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver, target: str
) -> None:
    endpoint = await created(
        await client.post(
            "/api/v1/webhook-endpoints", json={"url": receiver.url()}, headers=tenant.headers
        )
    )
    for operation, name in URL_OPERATIONS:
        url = url_with(operation, endpoint["id"]) if "{" in operation.path else operation.path
        response = await client.request(
            operation.method.upper(), url, json={name: target}, headers=tenant.headers
        )
        assert response.status_code == 422, f"{operation.name} {target}: {response.text}"
        assert response.json()["code"] == "unsafe_url", response.text
    listed = await client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}", headers=tenant.headers)
    assert listed.json()["data"]["url"] == receiver.url()  # unchanged
