"""Pipelines of mixed stage types, built through the public API."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile
from tests.fixtures.world import add_participant, created

ORIGIN = {"origin": "http://testserver"}
QUESTIONS = [
    {
        "text": "Describe a system you designed that had to survive failures.",
        "dimensions": ["system_design"],
    },
    {
        "text": "How do you explain a technical trade-off to a manager?",
        "dimensions": ["communication"],
    },
]


async def pipeline(
    client: httpx.AsyncClient, tenant: Tenant, *stages: dict[str, Any], email: str
) -> dict[str, Any]:
    """A template whose stages are `stages` (bodies without the template id, in order), a
    participant, and their ids: {"template_id", "participant_id", "stages": {type: id}}."""
    headers = tenant.headers
    profile = await created(
        await client.post("/api/v1/agent-profiles", json=agent_profile(), headers=headers)
    )
    template = await created(
        await client.post(
            "/api/v1/evaluation-templates",
            json={"template_name": "Support engineer", "use_case": "hiring"},
            headers=headers,
        )
    )
    ids = {}
    for order, body in enumerate(stages):
        stage = await created(
            await client.post(
                "/api/v1/evaluation-stages",
                json={
                    "evaluation_template_id": template["id"],
                    "stage_order": order,
                    "agent_profile_id": profile["id"],
                    **body,
                },
                headers=headers,
            )
        )
        ids[stage["type"]] = stage["id"]
    person = await add_participant(client, headers, template["id"], email)
    return {"template_id": template["id"], "participant_id": person, "stages": ids}


async def schedule(
    client: httpx.AsyncClient, tenant: Tenant, world: dict[str, Any], stage: str
) -> dict[str, Any]:
    return await created(
        await client.post(
            "/api/v1/sessions",
            json={
                "candidate_id": world["participant_id"],
                "evaluation_template_id": world["template_id"],
                "stage": stage,
            },
            headers=tenant.headers,
        )
    )


def token_of(session: dict[str, Any]) -> str:
    return str(session["join_url"]).rsplit("/", 1)[1]


async def session_of(client: httpx.AsyncClient, tenant: Tenant, session_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def scored(
    client: httpx.AsyncClient, tenant: Tenant, session_id: str, within: float = 60
) -> dict[str, Any]:
    """The session once its scorecard is written (the worker scores it)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        session = await session_of(client, tenant, session_id)
        if session.get("scored_at"):
            return session
        assert asyncio.get_running_loop().time() < deadline, session
        await asyncio.sleep(0.1)


async def event_types(client: httpx.AsyncClient, tenant: Tenant, session_id: str) -> list[str]:
    response = await client.get(
        f"/api/v1/sessions/{session_id}/events?limit=100", headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    return sorted(e["event"] for e in response.json()["data"])
