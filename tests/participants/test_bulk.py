"""`POST /api/v1/participants/bulk`."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Tenant
from tests.fixtures.payloads import evaluation_template, participant

BULK = "/api/v1/participants/bulk"


async def new_template(client: httpx.AsyncClient, tenant: Tenant) -> str:
    response = await client.post(
        "/api/v1/evaluation-templates", json=evaluation_template(), headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


async def event_participant_ids(client: httpx.AsyncClient, tenant: Tenant) -> list[str]:
    response = await client.get(
        "/api/v1/events",
        params={"event": "participant.created", "limit": 100},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    return [e["participant_id"] for e in response.json()["data"]]


async def count_participants(client: httpx.AsyncClient, tenant: Tenant) -> int:
    response = await client.get(
        "/api/v1/participants", params={"limit": 100}, headers=tenant.headers
    )
    return len(response.json()["data"])


def people(*emails: str, **extra: Any) -> list[dict[str, Any]]:
    return [
        participant(email=email, external_id=f"ats-{i}", **extra) for i, email in enumerate(emails)
    ]


async def test_bulk_creates_every_participant_with_an_event_each(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    response = await client.post(
        BULK,
        json={
            "participants": people("a@example.com", "b@example.com", "c@example.com"),
            "evaluation_template_id": template_id,
        },
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert [p["email"] for p in data["created"]] == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    assert {p["evaluation_template_id"] for p in data["created"]} == {template_id}
    assert data["skipped"] == []
    assert sorted(await event_participant_ids(client, tenant)) == sorted(
        p["id"] for p in data["created"]
    )
    fetched = await client.get(
        f"/api/v1/participants/{data['created'][0]['id']}", headers=tenant.headers
    )
    assert fetched.json()["data"] == data["created"][0]


async def test_bulk_skips_and_reports_duplicate_emails(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    existing = await client.post(
        "/api/v1/participants",
        json=participant(email="taken@example.com", evaluation_template_id=template_id),
        headers=tenant.headers,
    )
    assert existing.status_code == 201
    existing_id = existing.json()["data"]["id"]
    batch = people(
        "new@example.com",
        "TAKEN@example.com",
        "New@Example.com",
        "other@example.com",
        evaluation_template_id=template_id,
    )
    response = await client.post(BULK, json={"participants": batch}, headers=tenant.headers)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    created = {p["email"]: p["id"] for p in data["created"]}
    assert list(created) == ["new@example.com", "other@example.com"]
    assert data["skipped"] == [
        {
            "index": 1,
            "email": "TAKEN@example.com",
            "reason": "already_exists",
            "existing_id": existing_id,
        },
        {
            "index": 2,
            "email": "New@Example.com",
            "reason": "duplicate_in_batch",
            "existing_id": created["new@example.com"],
        },
    ]
    assert len(await event_participant_ids(client, tenant)) == 3  # 1 single + 2 bulk


async def test_bulk_treats_the_same_email_for_another_template_as_new(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await new_template(client, tenant)
    second = await new_template(client, tenant)
    batch = [
        participant(email="ada@example.com", evaluation_template_id=first),
        participant(email="ada@example.com", evaluation_template_id=second),
    ]
    response = await client.post(BULK, json={"participants": batch}, headers=tenant.headers)
    data = response.json()["data"]
    assert len(data["created"]) == 2
    assert data["skipped"] == []


async def test_bulk_of_500_is_accepted(client: httpx.AsyncClient, tenant: Tenant) -> None:
    batch = [{"name": f"P{i}", "email": f"p{i}@example.com"} for i in range(500)]
    response = await client.post(BULK, json={"participants": batch}, headers=tenant.headers)
    assert response.status_code == 201, response.text
    assert len(response.json()["data"]["created"]) == 500


async def test_bulk_of_501_is_422_and_creates_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    batch = [{"name": f"P{i}", "email": f"p{i}@example.com"} for i in range(501)]
    response = await client.post(BULK, json={"participants": batch}, headers=tenant.headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert [i["path"] for i in body["issues"]] == [["body", "participants"]]
    assert "500" in body["issues"][0]["message"]
    assert await count_participants(client, tenant) == 0


async def test_an_empty_bulk_is_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(BULK, json={"participants": []}, headers=tenant.headers)
    assert response.status_code == 422


async def test_one_invalid_item_rejects_the_whole_batch(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    batch = people("good@example.com", "not-an-email")
    response = await client.post(BULK, json={"participants": batch}, headers=tenant.headers)
    assert response.status_code == 422
    assert [i["path"] for i in response.json()["issues"]] == [["body", "participants", 1, "email"]]
    assert await count_participants(client, tenant) == 0


async def test_bulk_with_a_template_of_another_workspace_is_404_and_creates_nothing(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = await new_template(client, other_tenant)
    batch = [
        participant(email="a@example.com"),
        participant(email="b@example.com", evaluation_template_id=foreign),
    ]
    response = await client.post(BULK, json={"participants": batch}, headers=tenant.headers)
    assert response.status_code == 404
    assert await count_participants(client, tenant) == 0


async def test_bulk_without_a_key_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(BULK, json={"participants": people("a@example.com")})
    assert response.status_code == 401


async def test_bulk_with_a_read_only_key_is_403(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = await tenant.key_with("candidates.read")
    response = await client.post(
        BULK, json={"participants": people("a@example.com")}, headers=headers
    )
    assert response.status_code == 403
    assert await count_participants(client, tenant) == 0
