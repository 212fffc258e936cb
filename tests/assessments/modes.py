"""Pipelines of mixed stage types, built through the public API."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile
from tests.fixtures.world import add_participant, created

ORIGIN = {"origin": "http://testserver"}
QUESTIONS: list[dict[str, Any]] = [
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


async def emails_for(client: httpx.AsyncClient, tenant: Tenant, session_id: str) -> list[str]:
    response = await client.get(f"/api/v1/emails?session_id={session_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return [e["kind"] for e in response.json()["data"]]


async def application_of(
    client: httpx.AsyncClient, tenant: Tenant, world: dict[str, Any]
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/applications?candidate_id={world['participant_id']}", headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    [application] = response.json()["data"]
    return dict(application)


async def answer_all(
    client: httpx.AsyncClient, token: str, answers: list[str], origin: str = ORIGIN["origin"]
) -> dict[str, Any]:
    """Take a one-way assessment to the end, one answer per question, no retakes used
    (`origin`: the page's, i.e. the server's own)."""
    headers = {"origin": origin}
    started = await client.post(f"/join/{token}/assessment/start", json={}, headers=headers)
    assert started.status_code == 200, started.text
    state: dict[str, Any] = started.json()["data"]
    for answer in answers:
        for action, extra in (("show", {}), ("answer_now", {}), ("answer", {"text": answer})):
            if action == "answer_now" and state["phase"] != "preparing":
                continue
            body = {"action": action, "position": state["position"], "attempt": state["attempt"]}
            sent = await client.post(
                f"/join/{token}/assessment/step", json={**body, **extra}, headers=headers
            )
            assert sent.status_code == 200, sent.text
            state = sent.json()["data"]
        if state["phase"] == "review":
            body = {"action": "submit", "position": state["position"], "attempt": state["attempt"]}
            sent = await client.post(f"/join/{token}/assessment/step", json=body, headers=headers)
            assert sent.status_code == 200, sent.text
            state = sent.json()["data"]
    return state


async def next_session(
    client: httpx.AsyncClient, tenant: Tenant, world: dict[str, Any], stage: str, within: float = 60
) -> dict[str, Any]:
    """The session of `stage` once progression has scheduled it."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        application = await application_of(client, tenant, world)
        rollup = {s["stage"]: s for s in application["stages"]}
        if rollup[stage]["latest_session_id"]:
            return await session_of(client, tenant, rollup[stage]["latest_session_id"])
        assert asyncio.get_running_loop().time() < deadline, application
        await asyncio.sleep(0.1)
