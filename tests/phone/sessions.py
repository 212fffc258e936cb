"""A phone interview's session, made through the API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile, participant
from tests.web.conftest import unique_email


async def data(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def phone_session(api: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    """A scheduled 5-minute screen for a ward nurse with one question."""
    headers = tenant.headers
    profile = await data(
        await api.post("/api/v1/agent-profiles", json=agent_profile(), headers=headers)
    )
    template = await data(
        await api.post(
            "/api/v1/evaluation-templates",
            json={"template_name": "Ward nurse", "use_case": "hiring"},
            headers=headers,
        )
    )
    await data(
        await api.post(
            "/api/v1/evaluation-stages",
            json={
                "evaluation_template_id": template["id"],
                "type": "screen",
                "stage_order": 0,
                "agent_profile_id": profile["id"],
                "duration_minutes": 5,
                "questions": [
                    {"text": "Tell me about your work on a ward.", "dimensions": ["teamwork"]}
                ],
            },
            headers=headers,
        )
    )
    person = await data(
        await api.post(
            "/api/v1/participants",
            json=participant(
                email=unique_email("noor"),
                name="Noor Haddad",
                external_id=None,
                evaluation_template_id=template["id"],
            ),
            headers=headers,
        )
    )
    return await data(
        await api.post(
            "/api/v1/sessions",
            json={
                "candidate_id": person["id"],
                "evaluation_template_id": template["id"],
                "stage": "screen",
            },
            headers=headers,
        )
    )
