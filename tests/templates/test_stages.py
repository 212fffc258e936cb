"""`/api/v1/evaluation-stages`."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile, evaluation_stage, evaluation_template
from tests.fixtures.roleplay import SUPPORT

STAGES = "/api/v1/evaluation-stages"
MISSING = "01900000-0000-7000-8000-000000000000"


async def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def new_template(client: httpx.AsyncClient, tenant: Tenant, **overrides: Any) -> str:
    template = await created(
        await client.post(
            "/api/v1/evaluation-templates",
            json=evaluation_template(**overrides),
            headers=tenant.headers,
        )
    )
    return str(template["id"])


async def new_stage(
    client: httpx.AsyncClient, tenant: Tenant, template_id: str, **overrides: Any
) -> dict[str, Any]:
    return await created(
        await client.post(
            STAGES, json=evaluation_stage(template_id, **overrides), headers=tenant.headers
        )
    )


async def new_profile(client: httpx.AsyncClient, tenant: Tenant) -> str:
    profile = await created(
        await client.post("/api/v1/agent-profiles", json=agent_profile(), headers=tenant.headers)
    )
    return str(profile["id"])


def issue_paths(response: httpx.Response) -> list[list[Any]]:
    body = response.json()
    assert body["code"] == "invalid"
    return [issue["path"] for issue in body["issues"]]


async def test_create_returns_201_location_and_documented_defaults(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant, default_duration_minutes=45)
    profile_id = await new_profile(client, tenant)
    response = await client.post(
        STAGES,
        json=evaluation_stage(template_id, agent_profile_id=profile_id),
        headers=tenant.headers,
    )
    data = await created(response)
    assert response.headers["location"] == f"{STAGES}/{data['id']}"
    assert data["evaluation_template_id"] == template_id
    assert data["agent_profile_id"] == profile_id
    assert data["type"] == "screen"
    assert data["stage_type"] == "ai_interview"
    assert data["stage_order"] == 0
    assert data["duration_minutes"] == 45  # the template's default
    assert data["automation_rule"] == "auto_advance"
    assert data["allow_retake"] is False
    assert data["status"] == "active"
    assert data["pass_threshold"] is None
    assert data["questions"] == [
        {
            "text": "Walk me through a system you designed that had to survive failures.",
            "dimensions": ["system_design"],
            "follow_ups": ["What would you change today?"],
            "verbatim": False,
            "time_limit_seconds": None,
        }
    ]
    fetched = await client.get(response.headers["location"], headers=tenant.headers)
    assert fetched.json()["data"] == data


async def test_a_new_stage_goes_after_the_last_one(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    await new_stage(client, tenant, template_id, type="screen", stage_order=3)
    second = await new_stage(client, tenant, template_id, type="technical")
    assert second["stage_order"] == 4


async def test_create_stores_every_field_given(client: httpx.AsyncClient, tenant: Tenant) -> None:
    template_id = await new_template(client, tenant)
    data = await new_stage(
        client,
        tenant,
        template_id,
        type="final-round_2",
        stage_type="roleplay_simulation",
        duration_minutes=60,
        difficulty="expert",
        pass_threshold=72.5,
        allow_retake=True,
        automation_rule="require_reviewer_approval",
        status="draft",
        questions=[{"text": "Read this aloud.", "verbatim": True, "time_limit_seconds": 90}],
        roleplay=SUPPORT,
    )
    assert data["type"] == "final-round_2"
    assert data["stage_type"] == "roleplay_simulation"
    assert data["roleplay"]["character"] == SUPPORT["character"]
    assert data["duration_minutes"] == 60
    assert data["difficulty"] == "expert"
    assert data["pass_threshold"] == 72.5
    assert data["allow_retake"] is True
    assert data["automation_rule"] == "require_reviewer_approval"
    assert data["status"] == "draft"
    assert data["questions"][0]["verbatim"] is True
    assert data["questions"][0]["time_limit_seconds"] == 90


async def test_a_duplicate_type_in_the_same_template_is_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    first = await new_stage(client, tenant, template_id, type="screen")
    response = await client.post(
        STAGES, json=evaluation_stage(template_id, type="screen"), headers=tenant.headers
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_stage_type"
    assert body["existing_id"] == first["id"]


async def test_concurrent_creates_of_one_type_give_one_stage_and_one_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    # One key per request: requests sharing a key queue behind its last-used update.
    keys = [await tenant.key_with("evaluation_stages.write") for _ in range(4)]
    responses = await asyncio.gather(
        *(
            client.post(STAGES, json=evaluation_stage(template_id, type="screen"), headers=headers)
            for headers in keys
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    listed = await client.get(
        STAGES, params={"evaluation_template_id": template_id}, headers=tenant.headers
    )
    assert len(listed.json()["data"]) == 1


async def test_the_same_type_in_another_template_is_allowed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await new_template(client, tenant)
    second = await new_template(client, tenant)
    one = await new_stage(client, tenant, first, type="screen")
    other = await new_stage(client, tenant, second, type="screen")
    for template_id, stage in ((first, one), (second, other)):
        listed = await client.get(
            STAGES, params={"evaluation_template_id": template_id}, headers=tenant.headers
        )
        assert [(s["id"], s["type"]) for s in listed.json()["data"]] == [(stage["id"], "screen")]


async def test_a_template_of_another_workspace_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    response = await client.post(
        STAGES, json=evaluation_stage(template_id), headers=other_tenant.headers
    )
    assert response.status_code == 404
    assert response.json()["error"] == "evaluation template not found"


async def test_an_agent_profile_of_another_workspace_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    foreign_profile = await new_profile(client, other_tenant)
    response = await client.post(
        STAGES,
        json=evaluation_stage(template_id, agent_profile_id=foreign_profile),
        headers=tenant.headers,
    )
    assert response.status_code == 404
    assert response.json()["error"] == "agent profile not found"


async def test_create_without_a_key_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(STAGES, json=evaluation_stage(MISSING))
    assert response.status_code == 401


async def test_create_with_a_read_only_key_is_403(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    headers = await tenant.key_with("evaluation_stages.read", "evaluation_templates.write")
    response = await client.post(STAGES, json=evaluation_stage(template_id), headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


async def test_reading_needs_the_stages_read_scope(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    stage = await new_stage(client, tenant, template_id)
    wrong = await tenant.key_with("evaluation_templates.read")
    assert (await client.get(STAGES, headers=wrong)).status_code == 403
    assert (await client.get(f"{STAGES}/{stage['id']}", headers=wrong)).status_code == 403
    assert (await client.get(f"{STAGES}/{stage['id']}")).status_code == 401
    right = await tenant.key_with("evaluation_stages.read")
    assert (await client.get(f"{STAGES}/{stage['id']}", headers=right)).status_code == 200


async def test_a_stage_of_another_workspace_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    stage = await new_stage(client, tenant, template_id)
    url = f"{STAGES}/{stage['id']}"
    assert (await client.get(url, headers=other_tenant.headers)).status_code == 404
    patched = await client.patch(url, json={"stage_name": "x"}, headers=other_tenant.headers)
    assert patched.status_code == 404
    listed = await client.get(
        STAGES, params={"evaluation_template_id": template_id}, headers=other_tenant.headers
    )
    assert listed.json()["data"] == []


async def test_list_filters_by_template(client: httpx.AsyncClient, tenant: Tenant) -> None:
    first = await new_template(client, tenant)
    second = await new_template(client, tenant)
    a = await new_stage(client, tenant, first, type="screen")
    b = await new_stage(client, tenant, first, type="final")
    await new_stage(client, tenant, second, type="screen")
    response = await client.get(
        STAGES, params={"evaluation_template_id": first}, headers=tenant.headers
    )
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["data"]] == [b["id"], a["id"]]


async def test_a_malformed_template_filter_is_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(
        STAGES, params={"evaluation_template_id": "abc"}, headers=tenant.headers
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["query", "evaluation_template_id"]]


async def test_a_malformed_stage_id_is_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(f"{STAGES}/123", headers=tenant.headers)
    assert response.status_code == 422
    assert issue_paths(response) == [["path", "stage_id"]]


@pytest.mark.parametrize("stage_type", ["x" * 65, "", "   ", "two\nlines"])
async def test_a_type_that_is_not_a_short_label_is_422(
    client: httpx.AsyncClient, tenant: Tenant, stage_type: str
) -> None:
    template_id = await new_template(client, tenant)
    response = await client.post(
        STAGES, json=evaluation_stage(template_id, type=stage_type), headers=tenant.headers
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "type"]]


async def test_unknown_enum_values_are_422_with_issues(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    response = await client.post(
        STAGES,
        json=evaluation_stage(
            template_id, stage_type="quiz", automation_rule="always", difficulty="hard"
        ),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert sorted(issue_paths(response)) == [
        ["body", "automation_rule"],
        ["body", "difficulty"],
        ["body", "stage_type"],
    ]


async def test_wrong_types_and_bad_uuids_are_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        STAGES,
        json={
            "evaluation_template_id": "not-a-uuid",
            "type": "screen",
            "agent_profile_id": 42,
            "stage_order": "first",
            "questions": {"text": "hi"},
        },
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert sorted(issue_paths(response)) == [
        ["body", "agent_profile_id"],
        ["body", "evaluation_template_id"],
        ["body", "questions"],
        ["body", "stage_order"],
    ]


@pytest.mark.parametrize("threshold", [-1, 100.5])
async def test_pass_threshold_outside_0_to_100_is_422(
    client: httpx.AsyncClient, tenant: Tenant, threshold: float
) -> None:
    template_id = await new_template(client, tenant)
    response = await client.post(
        STAGES, json=evaluation_stage(template_id, pass_threshold=threshold), headers=tenant.headers
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "pass_threshold"]]


async def test_more_than_50_questions_is_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    template_id = await new_template(client, tenant)
    questions = [{"text": f"Question {i}?"} for i in range(51)]
    response = await client.post(
        STAGES, json=evaluation_stage(template_id, questions=questions), headers=tenant.headers
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "questions"]]


async def test_a_question_over_2000_characters_is_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    response = await client.post(
        STAGES,
        json=evaluation_stage(template_id, questions=[{"text": "q" * 2001}]),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "questions", 0, "text"]]


async def test_a_question_without_text_is_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    template_id = await new_template(client, tenant)
    response = await client.post(
        STAGES,
        json=evaluation_stage(template_id, questions=[{"dimensions": ["x"]}]),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "questions", 0, "text"]]


async def test_patch_changes_only_the_fields_sent(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    profile_id = await new_profile(client, tenant)
    stage = await new_stage(client, tenant, template_id, agent_profile_id=profile_id)
    response = await client.patch(
        f"{STAGES}/{stage['id']}",
        json={
            "pass_threshold": 65,
            "questions": [{"text": "Tell me about a hard bug."}],
            "agent_profile_id": None,
            "automation_rule": "none",
        },
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["pass_threshold"] == 65
    assert [q["text"] for q in data["questions"]] == ["Tell me about a hard bug."]
    assert data["agent_profile_id"] is None
    assert data["automation_rule"] == "none"
    assert data["type"] == stage["type"]
    assert data["stage_name"] == stage["stage_name"]
    assert data["duration_minutes"] == stage["duration_minutes"]


async def test_patch_to_a_type_already_used_is_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    screen = await new_stage(client, tenant, template_id, type="screen")
    final = await new_stage(client, tenant, template_id, type="final")
    response = await client.patch(
        f"{STAGES}/{final['id']}", json={"type": "screen"}, headers=tenant.headers
    )
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_stage_type"
    assert response.json()["existing_id"] == screen["id"]


async def test_patch_with_a_foreign_agent_profile_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    stage = await new_stage(client, tenant, template_id)
    foreign_profile = await new_profile(client, other_tenant)
    response = await client.patch(
        f"{STAGES}/{stage['id']}",
        json={"agent_profile_id": foreign_profile},
        headers=tenant.headers,
    )
    assert response.status_code == 404


async def test_patch_cannot_move_a_stage_to_another_template(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    stage = await new_stage(client, tenant, template_id)
    response = await client.patch(
        f"{STAGES}/{stage['id']}",
        json={"evaluation_template_id": await new_template(client, tenant)},
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "evaluation_template_id"]]


async def test_patch_with_a_read_only_key_is_403(client: httpx.AsyncClient, tenant: Tenant) -> None:
    template_id = await new_template(client, tenant)
    stage = await new_stage(client, tenant, template_id)
    headers = await tenant.key_with("evaluation_stages.read")
    response = await client.patch(
        f"{STAGES}/{stage['id']}", json={"status": "archived"}, headers=headers
    )
    assert response.status_code == 403
