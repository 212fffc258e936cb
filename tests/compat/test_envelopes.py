"""Item 1: changes Intervyo answers with `{"success": true}` answer `success` and `data`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.compat.intervyo import (
    API,
    APPLICATION,
    PARTICIPANT,
    SESSION,
    STAGE,
    TEMPLATE,
    assert_shape,
    create,
    in_days,
    ok,
    pipeline,
)
from tests.conftest import Tenant


def assert_success(body: dict[str, Any], fields: dict[str, Any] | None = None) -> None:
    assert body["success"] is True
    assert isinstance(body["data"], dict)
    if fields:
        assert_shape(body["data"], fields)


async def test_reschedule_answers_success_and_the_session(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers)
    session = await create(client, tenant.headers, "/sessions", world.session("screen"))
    when = in_days(3).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = await ok(
        await client.patch(
            f"{API}/sessions/{session['id']}", json={"scheduled_at": when}, headers=tenant.headers
        )
    )
    assert_success(body, SESSION)
    assert body["data"]["scheduled_at"] == when
    # A plain-success client reads `success` alone; one reading `data` sees the change.
    cancelled = await ok(
        await client.post(f"{API}/sessions/{session['id']}/cancel", headers=tenant.headers)
    )
    assert_success(cancelled, SESSION)
    assert cancelled["data"]["status"] == "cancelled"


async def test_updates_of_every_object_answer_success(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers)
    h = tenant.headers
    cases: list[tuple[str, dict[str, str], dict[str, Any] | None]] = [
        (f"/participants/{world.candidate}", {"phone": "+44 20 7946 0000"}, PARTICIPANT),
        (f"/evaluation-templates/{world.template}", {"description": "Owns the API"}, TEMPLATE),
        (f"/evaluation-stages/{world.stages['screen']}", {"stage_name": "Phone screen"}, STAGE),
        (f"/agent-profiles/{world.profile}", {"name": "Maya"}, None),
    ]
    for path, change, fields in cases:
        body = await ok(await client.patch(f"{API}{path}", json=change, headers=h))
        assert_success(body, fields)
        for name, value in change.items():
            assert body["data"][name] == value, path


async def test_archiving_a_participant_answers_success(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers)
    body = await ok(
        await client.delete(f"{API}/participants/{world.candidate}", headers=tenant.headers)
    )
    assert_success(body, PARTICIPANT)
    assert body["data"]["status"] == "archived"


async def test_application_decisions_answer_success(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers)
    application = await create(
        client,
        tenant.headers,
        "/applications",
        {
            "candidate_id": world.candidate,
            "evaluation_template_id": world.template,
            "approval_status": "pending",
        },
    )
    body = await ok(
        await client.post(
            f"{API}/applications/{application['id']}/reject",
            json={"reason": "role filled"},
            headers=tenant.headers,
        )
    )
    assert_success(body, APPLICATION)
    assert body["data"]["approval_status"] == "rejected"


async def test_webhook_endpoint_changes_answer_success(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    endpoint = await create(
        client,
        tenant.headers,
        "/webhook-endpoints",
        {"url": "http://127.0.0.1:9/hooks", "events": []},
    )
    path = f"{API}/webhook-endpoints/{endpoint['id']}"
    patched = await ok(
        await client.patch(path, json={"description": "ATS"}, headers=tenant.headers)
    )
    assert_success(patched)
    assert patched["data"]["description"] == "ATS"
    rotated = await ok(await client.post(f"{path}/rotate-secret", headers=tenant.headers))
    assert_success(rotated)
    assert rotated["data"]["secret"].startswith("whsec_")
    test = await ok(await client.post(f"{path}/test", headers=tenant.headers), 202)
    assert_success(test)
    deleted = await ok(await client.delete(path, headers=tenant.headers))
    assert_success(deleted)
    assert deleted["data"]["id"] == endpoint["id"]
    gone = await client.get(path, headers=tenant.headers)
    assert gone.status_code == 404


@pytest.mark.parametrize(
    "path", ["/sessions", "/participants", "/evaluation-templates", "/applications", "/events"]
)
async def test_lists_keep_the_list_envelope(
    client: httpx.AsyncClient, tenant: Tenant, path: str
) -> None:
    await pipeline(client, tenant.headers)
    body = await ok(await client.get(f"{API}{path}", headers=tenant.headers))
    assert isinstance(body["data"], list)
    assert isinstance(body["has_more"], bool)
    assert body["next_cursor"] is None or isinstance(body["next_cursor"], str)


async def test_creates_answer_201_with_the_object_and_its_location(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers)
    response = await client.post(
        f"{API}/sessions", json=world.session("screen"), headers=tenant.headers
    )
    body = await ok(response, 201)
    assert_shape(body["data"], SESSION, "session")
    assert response.headers["location"] == f"{API}/sessions/{body['data']['id']}"
