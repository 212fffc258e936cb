"""With no worker running, the API does not hold the request: 202 once the pickup window
passes, and the run waits in the queue for a worker."""

from __future__ import annotations

import httpx

from tests.conftest import Tenant


async def test_a_run_no_worker_starts_is_answered_202_queued(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {
        "language": "python",
        "source": "def f():\n    return 1\n",
        "entry": "f",
        "tests": [{"args": [], "expected": 1}],
    }
    response = await client.post("/api/v1/code-executions", json=body, headers=tenant.headers)
    assert response.status_code == 202
    execution = response.json()["data"]
    assert execution["status"] == "queued" and execution["results"] is None
    assert response.headers["location"] == f"/api/v1/code-executions/{execution['id']}"
