"""`/api/v1/evaluation-templates`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.payloads import evaluation_stage, evaluation_template

TEMPLATES = "/api/v1/evaluation-templates"
MISSING = "01900000-0000-7000-8000-000000000000"


async def create_template(
    client: httpx.AsyncClient, tenant: Tenant, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        TEMPLATES, json=evaluation_template(**overrides), headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def issue_paths(response: httpx.Response) -> list[list[Any]]:
    body = response.json()
    assert body["code"] == "invalid"
    return [issue["path"] for issue in body["issues"]]


async def test_create_returns_201_location_and_documented_defaults(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(TEMPLATES, json=evaluation_template(), headers=tenant.headers)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert response.headers["location"] == f"{TEMPLATES}/{data['id']}"
    assert data["template_name"] == "Senior backend engineer"
    assert data["success_outcome"] == "hire_no_hire"
    assert data["status"] == "active"
    assert data["default_duration_minutes"] == 30
    assert data["language"] == "en"
    assert data["apply"] == {
        "enabled": False,
        "requires_approval": True,
        "requires_otp": True,
        "consent_text": None,
        "notify_on_rejection": True,
    }
    assert data["branding"] == {"logo_url": None, "primary_color": None}
    assert data["skills"] == ["Python", "PostgreSQL", "distributed systems"]
    assert data["stages"] == []
    assert data["created_at"].endswith("Z")
    fetched = await client.get(response.headers["location"], headers=tenant.headers)
    assert fetched.json()["data"] == data


@pytest.mark.parametrize(
    ("use_case", "outcome"),
    [
        ("hiring", "hire_no_hire"),
        ("admissions", "admit_reject"),
        ("training", "ready_needs_training"),
        ("custom_api", "pass_fail"),
    ],
)
async def test_success_outcome_is_derived_from_use_case(
    client: httpx.AsyncClient, tenant: Tenant, use_case: str, outcome: str
) -> None:
    data = await create_template(client, tenant, use_case=use_case)
    assert data["success_outcome"] == outcome


async def test_an_explicit_success_outcome_is_kept(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await create_template(
        client, tenant, use_case="training", success_outcome="certified_not_certified"
    )
    assert data["success_outcome"] == "certified_not_certified"


async def test_language_tag_is_written_in_canonical_case(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await create_template(client, tenant, language="PT-br")
    assert data["language"] == "pt-BR"


async def test_create_stores_apply_and_branding_settings(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await create_template(
        client,
        tenant,
        apply={"enabled": True, "requires_otp": False, "consent_text": "I agree"},
        branding={"logo_url": "https://cdn.example.com/logo.svg", "primary_color": "#1A2b3C"},
    )
    assert data["apply"] == {
        "enabled": True,
        "requires_approval": True,
        "requires_otp": False,
        "consent_text": "I agree",
        "notify_on_rejection": True,
    }
    assert data["branding"]["primary_color"] == "#1A2b3C"


async def test_create_without_a_key_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(TEMPLATES, json=evaluation_template())
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


async def test_create_with_a_read_only_key_is_403(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = await tenant.key_with("evaluation_templates.read")
    response = await client.post(TEMPLATES, json=evaluation_template(), headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


async def test_reading_without_the_read_scope_is_403(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template = await create_template(client, tenant)
    headers = await tenant.key_with("evaluation_stages.read", "candidates.read")
    assert (await client.get(TEMPLATES, headers=headers)).status_code == 403
    assert (await client.get(f"{TEMPLATES}/{template['id']}", headers=headers)).status_code == 403


async def test_reading_without_a_key_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.get(TEMPLATES)).status_code == 401
    assert (await client.get(f"{TEMPLATES}/{MISSING}")).status_code == 401


async def test_a_template_of_another_workspace_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    template = await create_template(client, tenant)
    url = f"{TEMPLATES}/{template['id']}"
    got = await client.get(url, headers=other_tenant.headers)
    assert got.status_code == 404
    assert got.json()["code"] == "not_found"
    patched = await client.patch(url, json={"status": "archived"}, headers=other_tenant.headers)
    assert patched.status_code == 404
    listed = await client.get(TEMPLATES, headers=other_tenant.headers)
    assert template["id"] not in [t["id"] for t in listed.json()["data"]]
    unchanged = await client.get(url, headers=tenant.headers)
    assert unchanged.json()["data"]["status"] == "active"


async def test_an_unknown_template_is_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(f"{TEMPLATES}/{MISSING}", headers=tenant.headers)
    assert response.status_code == 404


async def test_a_malformed_id_is_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(f"{TEMPLATES}/not-a-uuid", headers=tenant.headers)
    assert response.status_code == 422
    assert issue_paths(response) == [["path", "template_id"]]


async def test_unknown_enum_values_are_422_with_issues(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        TEMPLATES,
        json=evaluation_template(
            use_case="dating", status="live", default_difficulty="insane", success_outcome="yes"
        ),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert sorted(issue_paths(response)) == [
        ["body", "default_difficulty"],
        ["body", "status"],
        ["body", "success_outcome"],
        ["body", "use_case"],
    ]


async def test_wrong_types_are_422_with_issues(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        TEMPLATES,
        json=evaluation_template(default_duration_minutes="thirty", skills="python", apply=[]),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert sorted(issue_paths(response)) == [
        ["body", "apply"],
        ["body", "default_duration_minutes"],
        ["body", "skills"],
    ]


@pytest.mark.parametrize("minutes", [4, 241])
async def test_duration_outside_5_to_240_minutes_is_422(
    client: httpx.AsyncClient, tenant: Tenant, minutes: int
) -> None:
    response = await client.post(
        TEMPLATES,
        json=evaluation_template(default_duration_minutes=minutes),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "default_duration_minutes"]]


async def test_oversized_strings_are_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        TEMPLATES,
        json=evaluation_template(template_name="x" * 201, description="d" * 5001),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert sorted(issue_paths(response)) == [["body", "description"], ["body", "template_name"]]


async def test_missing_template_name_is_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = evaluation_template()
    del body["template_name"]
    response = await client.post(TEMPLATES, json=body, headers=tenant.headers)
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "template_name"]]


@pytest.mark.parametrize("language", ["english", "e", "en_US", "en-"])
async def test_a_language_that_is_not_bcp47_is_422(
    client: httpx.AsyncClient, tenant: Tenant, language: str
) -> None:
    response = await client.post(
        TEMPLATES, json=evaluation_template(language=language), headers=tenant.headers
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "language"]]


@pytest.mark.parametrize("color", ["red", "#fff", "#12345g", "123456"])
async def test_a_primary_color_that_is_not_rrggbb_is_422(
    client: httpx.AsyncClient, tenant: Tenant, color: str
) -> None:
    response = await client.post(
        TEMPLATES,
        json=evaluation_template(branding={"primary_color": color}),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "branding", "primary_color"]]


async def test_unknown_fields_are_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        TEMPLATES, json=evaluation_template(templateName="camel"), headers=tenant.headers
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "templateName"]]


async def test_account_slug_of_another_workspace_is_403(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = await client.post(
        TEMPLATES, json=evaluation_template(accountSlug=other_tenant.slug), headers=tenant.headers
    )
    assert response.status_code == 403
    assert response.json()["code"] == "account_mismatch"
    ok = await client.post(
        TEMPLATES, json=evaluation_template(accountSlug=tenant.slug), headers=tenant.headers
    )
    assert ok.status_code == 201


async def test_list_is_newest_first_and_paginates_with_a_cursor(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ids = [(await create_template(client, tenant, template_name=f"T{i}"))["id"] for i in range(3)]
    first = await client.get(TEMPLATES, params={"limit": 2}, headers=tenant.headers)
    body = first.json()
    assert [t["id"] for t in body["data"]] == [ids[2], ids[1]]
    assert body["has_more"] is True
    second = await client.get(
        TEMPLATES, params={"limit": 2, "cursor": body["next_cursor"]}, headers=tenant.headers
    )
    assert [t["id"] for t in second.json()["data"]] == [ids[0]]
    assert second.json()["has_more"] is False
    assert second.json()["next_cursor"] is None


async def test_list_filters_by_status_and_carries_stages(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    draft = await create_template(client, tenant, status="draft")
    await create_template(client, tenant)
    stage = await client.post(
        "/api/v1/evaluation-stages", json=evaluation_stage(draft["id"]), headers=tenant.headers
    )
    assert stage.status_code == 201
    response = await client.get(TEMPLATES, params={"status": "draft"}, headers=tenant.headers)
    data = response.json()["data"]
    assert [t["id"] for t in data] == [draft["id"]]
    assert [s["type"] for s in data[0]["stages"]] == ["screen"]


async def test_get_includes_stages_in_pipeline_order(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template = await create_template(client, tenant)
    for stage_type, order in (("final", 2), ("screen", 0), ("technical", 1)):
        response = await client.post(
            "/api/v1/evaluation-stages",
            json=evaluation_stage(template["id"], type=stage_type, stage_order=order),
            headers=tenant.headers,
        )
        assert response.status_code == 201, response.text
    fetched = await client.get(f"{TEMPLATES}/{template['id']}", headers=tenant.headers)
    stages = fetched.json()["data"]["stages"]
    assert [s["type"] for s in stages] == ["screen", "technical", "final"]
    assert [s["stage_order"] for s in stages] == [0, 1, 2]


async def test_patch_changes_only_the_fields_sent(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template = await create_template(client, tenant, description="first")
    response = await client.patch(
        f"{TEMPLATES}/{template['id']}",
        json={"status": "archived", "default_duration_minutes": 45, "description": None},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["status"] == "archived"
    assert data["default_duration_minutes"] == 45
    assert data["description"] is None
    assert data["template_name"] == template["template_name"]
    assert data["skills"] == template["skills"]
    assert data["stages"] == []
    assert data["updated_at"] >= template["updated_at"]


async def test_patch_merges_apply_settings(client: httpx.AsyncClient, tenant: Tenant) -> None:
    template = await create_template(client, tenant, apply={"requires_otp": False})
    response = await client.patch(
        f"{TEMPLATES}/{template['id']}", json={"apply": {"enabled": True}}, headers=tenant.headers
    )
    assert response.json()["data"]["apply"] == {
        "enabled": True,
        "requires_approval": True,
        "requires_otp": False,
        "consent_text": None,
        "notify_on_rejection": True,
    }


async def test_patch_of_use_case_rederives_a_derived_outcome(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template = await create_template(client, tenant, use_case="hiring")
    response = await client.patch(
        f"{TEMPLATES}/{template['id']}", json={"use_case": "admissions"}, headers=tenant.headers
    )
    assert response.json()["data"]["success_outcome"] == "admit_reject"


async def test_patch_of_use_case_keeps_a_chosen_outcome(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template = await create_template(
        client, tenant, use_case="hiring", success_outcome="certified_not_certified"
    )
    response = await client.patch(
        f"{TEMPLATES}/{template['id']}", json={"use_case": "training"}, headers=tenant.headers
    )
    assert response.json()["data"]["success_outcome"] == "certified_not_certified"


async def test_patch_cannot_null_a_required_field(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template = await create_template(client, tenant)
    response = await client.patch(
        f"{TEMPLATES}/{template['id']}", json={"template_name": None}, headers=tenant.headers
    )
    assert response.status_code == 422
    assert "template_name cannot be null" in response.json()["error"]


async def test_patch_with_a_read_only_key_is_403(client: httpx.AsyncClient, tenant: Tenant) -> None:
    template = await create_template(client, tenant)
    headers = await tenant.key_with("evaluation_templates.read")
    response = await client.patch(
        f"{TEMPLATES}/{template['id']}", json={"status": "draft"}, headers=headers
    )
    assert response.status_code == 403


async def test_nul_characters_are_422_not_a_server_error(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        TEMPLATES, json=evaluation_template(skills=["Py\u0000thon"]), headers=tenant.headers
    )
    assert response.status_code == 422
    assert "skills[0]" in response.json()["issues"][0]["message"]
