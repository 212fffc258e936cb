from __future__ import annotations

import httpx

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile


async def test_create_returns_201_location_and_dimension_ids(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/v1/agent-profiles", json=agent_profile(), headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert response.headers["location"] == f"/api/v1/agent-profiles/{data['id']}"
    assert [d["id"] for d in data["evaluationDimensions"]] == ["system_design", "communication"]
    assert data["scoring"]["overallPassThreshold"] == 7.0
    assert data["interaction"]["probingDepth"] == "medium"
    fetched = await client.get(response.headers["location"], headers=tenant.headers)
    assert fetched.json()["data"] == data


async def test_weights_not_summing_to_100_give_one_clear_issue(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = agent_profile(evaluationDimensions=[{"name": "A", "description": "a", "weight": 50}])
    response = await client.post("/api/v1/agent-profiles", json=body, headers=tenant.headers)
    assert response.status_code == 422
    issues = response.json()["issues"]
    assert [i["path"] for i in issues] == [["body", "evaluationDimensions"]]
    assert "sum to 100" in issues[0]["message"]


async def test_patch_merges_nested_objects_and_bumps_the_version(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = agent_profile(interaction={"tone": "strict", "difficulty": "hard"})
    created = (
        await client.post("/api/v1/agent-profiles", json=body, headers=tenant.headers)
    ).json()
    url = f"/api/v1/agent-profiles/{created['data']['id']}"
    patched = await client.patch(
        url, json={"interaction": {"tone": "friendly"}}, headers=tenant.headers
    )
    assert patched.status_code == 200
    data = patched.json()["data"]
    assert data["interaction"]["tone"] == "friendly"
    assert data["interaction"]["difficulty"] == "hard"
    assert data["version"] == created["data"]["version"] + 1
    nulled = await client.patch(url, json={"scoring": None}, headers=tenant.headers)
    assert nulled.status_code == 422


async def test_fork_copies_a_public_profile_into_another_workspace(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    public = (
        await client.post(
            "/api/v1/agent-profiles", json=agent_profile(isPublic=True), headers=tenant.headers
        )
    ).json()["data"]
    private = (
        await client.post("/api/v1/agent-profiles", json=agent_profile(), headers=tenant.headers)
    ).json()["data"]
    fork = await client.post(
        "/api/v1/agent-profiles?action=fork",
        json={"sourceId": public["id"]},
        headers=other_tenant.headers,
    )
    assert fork.status_code == 201, fork.text
    copy = fork.json()["data"]
    assert copy["forkedFromId"] == public["id"]
    assert copy["isPublic"] is False
    assert copy["evaluationDimensions"] == public["evaluationDimensions"]
    listed = await client.get("/api/v1/agent-profiles", headers=other_tenant.headers)
    assert [p["id"] for p in listed.json()["data"]] == [copy["id"]]
    refused = await client.post(
        "/api/v1/agent-profiles?action=fork",
        json={"sourceId": private["id"]},
        headers=other_tenant.headers,
    )
    assert refused.status_code == 404
    foreign_patch = await client.patch(
        f"/api/v1/agent-profiles/{public['id']}",
        json={"name": "mine"},
        headers=other_tenant.headers,
    )
    assert foreign_patch.status_code == 404
    bad = await client.post(
        "/api/v1/agent-profiles?action=fork", json={"sourceId": ""}, headers=other_tenant.headers
    )
    assert bad.status_code == 422
    assert [i["path"] for i in bad.json()["issues"]] == [["body", "sourceId"]]
