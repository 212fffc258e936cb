from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Tenant
from tests.fixtures.receiver import Receiver


async def register(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    path: str = "/hook",
    events: list[str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhook-endpoints",
        json={"url": receiver.url(path), "events": events or [], "description": path},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    receiver.secrets.append(data["secret"])
    return data
