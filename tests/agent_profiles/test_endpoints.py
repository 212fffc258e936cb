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
