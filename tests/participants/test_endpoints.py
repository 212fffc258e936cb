"""`/api/v1/participants`: create, read, list, update, archive, erase."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.payloads import evaluation_template, participant

PARTICIPANTS = "/api/v1/participants"
MISSING = "01900000-0000-7000-8000-000000000000"


async def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def new_participant(
    client: httpx.AsyncClient, tenant: Tenant, **overrides: Any
) -> dict[str, Any]:
    return await created(
        await client.post(PARTICIPANTS, json=participant(**overrides), headers=tenant.headers)
    )


async def new_template(client: httpx.AsyncClient, tenant: Tenant) -> str:
    template = await created(
        await client.post(
            "/api/v1/evaluation-templates", json=evaluation_template(), headers=tenant.headers
        )
    )
    return str(template["id"])


async def created_events(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/events",
        params={"event": "participant.created", "limit": 100},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["data"]
    return events


def issue_paths(response: httpx.Response) -> list[list[Any]]:
    body = response.json()
    assert body["code"] == "invalid"
    return [issue["path"] for issue in body["issues"]]


async def test_create_returns_201_location_and_the_participant(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    response = await client.post(
        PARTICIPANTS,
        json=participant(evaluation_template_id=template_id, email="Grace.Hopper@Example.COM"),
        headers=tenant.headers,
    )
    data = await created(response)
    assert response.headers["location"] == f"{PARTICIPANTS}/{data['id']}"
    assert data["email"] == "Grace.Hopper@Example.COM"  # stored as given
    assert data["evaluation_template_id"] == template_id
    assert data["status"] == "active"
    assert data["tags"] == ["referral"]
    assert data["profile"]["title"] == "Staff engineer"
    assert data["background"] == {"skills": ["COBOL"], "education": None, "languages": ["English"]}
    assert data["metadata"] == {"source": "ats"}
    assert data["purged_at"] is None
    fetched = await client.get(response.headers["location"], headers=tenant.headers)
    assert fetched.json()["data"] == data


async def test_create_writes_a_participant_created_event(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await new_participant(client, tenant)
    events = await created_events(client, tenant)
    assert len(events) == 1
    assert events[0]["event"] == "participant.created"
    assert events[0]["participant_id"] == data["id"]
    assert events[0]["data"] == {"participant": data}


async def test_a_duplicate_email_for_the_same_template_is_409_naming_the_holder(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    first = await new_participant(
        client, tenant, evaluation_template_id=template_id, email="ada@example.com"
    )
    response = await client.post(
        PARTICIPANTS,
        json=participant(evaluation_template_id=template_id, email="ADA@example.com"),
        headers=tenant.headers,
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_participant"
    assert body["existing_id"] == first["id"]
    assert len(await created_events(client, tenant)) == 1


async def test_a_duplicate_email_without_a_template_is_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await new_participant(client, tenant, email="solo@example.com")
    response = await client.post(
        PARTICIPANTS, json=participant(email="solo@example.com"), headers=tenant.headers
    )
    assert response.status_code == 409


async def test_the_same_email_for_two_templates_is_two_participants(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await new_template(client, tenant)
    second = await new_template(client, tenant)
    a = await new_participant(client, tenant, evaluation_template_id=first)
    b = await new_participant(client, tenant, evaluation_template_id=second)
    assert a["id"] != b["id"]


async def test_the_same_email_in_another_workspace_is_allowed(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await new_participant(client, tenant)
    theirs = await new_participant(client, other_tenant)
    assert mine["email"] == theirs["email"] and mine["id"] != theirs["id"]
    for owner, person in ((tenant, mine), (other_tenant, theirs)):
        listed = await client.get(PARTICIPANTS, headers=owner.headers)
        assert [p["id"] for p in listed.json()["data"]] == [person["id"]]  # each sees its own


async def test_concurrent_duplicate_creates_give_one_participant_and_409s(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    body = participant(evaluation_template_id=template_id, email="race@example.com")
    # One key per request: requests sharing a key queue behind its last-used update.
    keys = [await tenant.key_with("candidates.write") for _ in range(5)]
    responses = await asyncio.gather(
        *(client.post(PARTICIPANTS, json=body, headers=headers) for headers in keys)
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    winner = next(r for r in responses if r.status_code == 201).json()["data"]["id"]
    assert {r.json()["existing_id"] for r in responses if r.status_code == 409} == {winner}
    assert len(await created_events(client, tenant)) == 1


async def test_a_template_of_another_workspace_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = await new_template(client, other_tenant)
    response = await client.post(
        PARTICIPANTS, json=participant(evaluation_template_id=foreign), headers=tenant.headers
    )
    assert response.status_code == 404
    assert response.json()["error"] == "evaluation template not found"


async def test_create_without_a_key_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(PARTICIPANTS, json=participant())
    assert response.status_code == 401


async def test_create_with_a_read_only_key_is_403(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = await tenant.key_with("candidates.read")
    response = await client.post(PARTICIPANTS, json=participant(), headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


async def test_reading_needs_the_candidates_read_scope(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await new_participant(client, tenant)
    headers = await tenant.key_with("candidates.write")
    assert (await client.get(PARTICIPANTS, headers=headers)).status_code == 403
    assert (await client.get(f"{PARTICIPANTS}/{data['id']}", headers=headers)).status_code == 403
    assert (await client.get(f"{PARTICIPANTS}/{data['id']}")).status_code == 401
    assert (await client.get(PARTICIPANTS)).status_code == 401


async def test_a_participant_of_another_workspace_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    data = await new_participant(client, tenant)
    url = f"{PARTICIPANTS}/{data['id']}"
    assert (await client.get(url, headers=other_tenant.headers)).status_code == 404
    patched = await client.patch(url, json={"name": "Mallory"}, headers=other_tenant.headers)
    assert patched.status_code == 404
    deleted = await client.delete(url, params={"purge": "true"}, headers=other_tenant.headers)
    assert deleted.status_code == 404
    listed = await client.get(PARTICIPANTS, headers=other_tenant.headers)
    assert listed.json()["data"] == []
    unchanged = await client.get(url, headers=tenant.headers)
    assert unchanged.json()["data"] == data


async def test_an_unknown_participant_is_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(f"{PARTICIPANTS}/{MISSING}", headers=tenant.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_a_malformed_id_is_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method,
            f"{PARTICIPANTS}/12345",
            json={} if method == "PATCH" else None,
            headers=tenant.headers,
        )
        assert response.status_code == 422, method
        assert ["path", "participant_id"] in issue_paths(response)


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com"])
async def test_an_invalid_email_is_422(
    client: httpx.AsyncClient, tenant: Tenant, email: str
) -> None:
    response = await client.post(
        PARTICIPANTS, json=participant(email=email), headers=tenant.headers
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "email"]]


async def test_missing_required_fields_are_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(PARTICIPANTS, json={"phone": "+1 555"}, headers=tenant.headers)
    assert response.status_code == 422
    assert sorted(issue_paths(response)) == [["body", "email"], ["body", "name"]]


async def test_wrong_types_are_422_with_issues(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        PARTICIPANTS,
        json=participant(tags="vip", profile="senior", metadata=[1], evaluation_template_id=7),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert sorted(issue_paths(response)) == [
        ["body", "evaluation_template_id"],
        ["body", "metadata"],
        ["body", "profile"],
        ["body", "tags"],
    ]


async def test_unknown_status_and_fields_are_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        PARTICIPANTS,
        json=participant(status="hired", profile={"title": "x", "salary": 1}),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert sorted(issue_paths(response)) == [["body", "profile", "salary"], ["body", "status"]]


async def test_oversized_strings_are_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        PARTICIPANTS,
        json=participant(name="n" * 201, external_id="e" * 256, tags=["t" * 65]),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert sorted(issue_paths(response)) == [
        ["body", "external_id"],
        ["body", "name"],
        ["body", "tags", 0],
    ]


async def test_oversized_metadata_is_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        PARTICIPANTS, json=participant(metadata={"notes": "x" * 20_000}), headers=tenant.headers
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "metadata"]]


async def test_a_resume_url_that_is_not_http_is_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        PARTICIPANTS, json=participant(resume_url="javascript:alert(1)"), headers=tenant.headers
    )
    assert response.status_code == 422
    assert issue_paths(response) == [["body", "resume_url"]]


async def test_repeated_tags_are_kept_once(client: httpx.AsyncClient, tenant: Tenant) -> None:
    data = await new_participant(client, tenant, tags=["vip", "referral", "vip"])
    assert data["tags"] == ["vip", "referral"]


async def test_list_is_newest_first_and_paginates(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ids = [
        (await new_participant(client, tenant, email=f"p{i}@example.com"))["id"] for i in range(3)
    ]
    first = await client.get(PARTICIPANTS, params={"limit": 2}, headers=tenant.headers)
    body = first.json()
    assert [p["id"] for p in body["data"]] == [ids[2], ids[1]]
    assert body["has_more"] is True
    second = await client.get(
        PARTICIPANTS, params={"limit": 2, "cursor": body["next_cursor"]}, headers=tenant.headers
    )
    assert [p["id"] for p in second.json()["data"]] == [ids[0]]
    assert second.json()["has_more"] is False


async def test_list_filters_by_template_email_external_id_status_and_tag(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    a = await new_participant(
        client,
        tenant,
        email="Ada@Example.com",
        external_id="ats-1",
        tags=["vip"],
        evaluation_template_id=template_id,
    )
    b = await new_participant(client, tenant, email="bob@example.com", external_id="ats-2")
    await client.delete(f"{PARTICIPANTS}/{b['id']}", headers=tenant.headers)

    async def ids(**params: str) -> list[str]:
        response = await client.get(PARTICIPANTS, params=params, headers=tenant.headers)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["data"]]

    assert await ids(evaluation_template_id=template_id) == [a["id"]]
    assert await ids(email="ada@example.COM") == [a["id"]]
    assert await ids(external_id="ats-2") == [b["id"]]
    assert await ids(status="archived") == [b["id"]]
    assert await ids(status="active") == [a["id"]]
    assert await ids(tag="vip") == [a["id"]]
    assert await ids(tag="nobody") == []


async def test_list_with_an_unknown_status_filter_is_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(PARTICIPANTS, params={"status": "gone"}, headers=tenant.headers)
    assert response.status_code == 422
    assert issue_paths(response) == [["query", "status"]]


async def test_patch_changes_only_the_fields_sent(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await new_participant(client, tenant)
    response = await client.patch(
        f"{PARTICIPANTS}/{data['id']}",
        json={"name": "Rear Admiral Hopper", "phone": None, "tags": ["final"]},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    patched = response.json()["data"]
    assert patched["name"] == "Rear Admiral Hopper"
    assert patched["phone"] is None
    assert patched["tags"] == ["final"]
    assert patched["email"] == data["email"]
    assert patched["profile"] == data["profile"]
    assert patched["metadata"] == data["metadata"]


async def test_patch_to_an_email_already_used_is_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ada = await new_participant(client, tenant, email="ada@example.com")
    bob = await new_participant(client, tenant, email="bob@example.com")
    response = await client.patch(
        f"{PARTICIPANTS}/{bob['id']}", json={"email": "Ada@example.com"}, headers=tenant.headers
    )
    assert response.status_code == 409
    assert response.json()["existing_id"] == ada["id"]


async def test_patch_of_an_email_to_another_case_is_allowed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await new_participant(client, tenant, email="ada@example.com")
    response = await client.patch(
        f"{PARTICIPANTS}/{data['id']}", json={"email": "Ada@Example.com"}, headers=tenant.headers
    )
    assert response.status_code == 200
    assert response.json()["data"]["email"] == "Ada@Example.com"


async def test_patch_with_a_read_only_key_is_403(client: httpx.AsyncClient, tenant: Tenant) -> None:
    data = await new_participant(client, tenant)
    headers = await tenant.key_with("candidates.read")
    response = await client.patch(
        f"{PARTICIPANTS}/{data['id']}", json={"name": "x"}, headers=headers
    )
    assert response.status_code == 403


async def test_patch_cannot_null_the_name(client: httpx.AsyncClient, tenant: Tenant) -> None:
    data = await new_participant(client, tenant)
    response = await client.patch(
        f"{PARTICIPANTS}/{data['id']}", json={"name": None}, headers=tenant.headers
    )
    assert response.status_code == 422


async def test_delete_archives_and_keeps_the_data(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await new_participant(client, tenant)
    response = await client.delete(f"{PARTICIPANTS}/{data['id']}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    archived = response.json()["data"]
    assert archived["status"] == "archived"
    assert archived["purged_at"] is None
    for field in ("name", "email", "phone", "external_id", "profile", "metadata", "tags"):
        assert archived[field] == data[field]
    fetched = await client.get(f"{PARTICIPANTS}/{data['id']}", headers=tenant.headers)
    assert fetched.json()["data"] == archived


async def test_delete_needs_the_candidates_delete_scope(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await new_participant(client, tenant)
    headers = await tenant.key_with("candidates.read", "candidates.write")
    response = await client.delete(
        f"{PARTICIPANTS}/{data['id']}", params={"purge": "true"}, headers=headers
    )
    assert response.status_code == 403
    fetched = await client.get(f"{PARTICIPANTS}/{data['id']}", headers=tenant.headers)
    assert fetched.json()["data"]["name"] == data["name"]
    assert (await client.delete(f"{PARTICIPANTS}/{data['id']}")).status_code == 401


async def test_purge_erases_the_personal_data(client: httpx.AsyncClient, tenant: Tenant) -> None:
    template_id = await new_template(client, tenant)
    data = await new_participant(client, tenant, evaluation_template_id=template_id)
    headers = await tenant.key_with("candidates.delete")
    response = await client.delete(
        f"{PARTICIPANTS}/{data['id']}", params={"purge": "true"}, headers=headers
    )
    assert response.status_code == 200, response.text
    erased = response.json()["data"]
    assert erased["id"] == data["id"]
    assert erased["name"] == "Erased participant"
    assert erased["email"] == f"erased+{data['id']}@invalid.invalid"
    assert erased["phone"] is None
    assert erased["resume_url"] is None
    assert erased["external_id"] is None
    assert erased["profile"] == {}
    assert erased["background"] == {}
    assert erased["metadata"] == {}
    assert erased["tags"] == []
    assert erased["status"] == "archived"
    assert erased["purged_at"] is not None
    assert erased["evaluation_template_id"] == template_id
    fetched = await client.get(f"{PARTICIPANTS}/{data['id']}", headers=tenant.headers)
    assert fetched.json()["data"] == erased
    found = await client.get(PARTICIPANTS, params={"email": data["email"]}, headers=tenant.headers)
    assert found.json()["data"] == []


async def test_purge_frees_the_email_for_a_new_participant(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await new_participant(client, tenant)
    await client.delete(
        f"{PARTICIPANTS}/{data['id']}", params={"purge": "true"}, headers=tenant.headers
    )
    again = await new_participant(client, tenant)
    assert again["id"] != data["id"]


async def test_an_erased_participant_cannot_be_edited(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await new_participant(client, tenant)
    await client.delete(
        f"{PARTICIPANTS}/{data['id']}", params={"purge": "true"}, headers=tenant.headers
    )
    response = await client.patch(
        f"{PARTICIPANTS}/{data['id']}", json={"name": "Grace"}, headers=tenant.headers
    )
    assert response.status_code == 409
    assert response.json()["code"] == "participant_purged"


async def test_purging_twice_keeps_the_first_erasure_time(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await new_participant(client, tenant)
    url = f"{PARTICIPANTS}/{data['id']}"
    first = await client.delete(url, params={"purge": "true"}, headers=tenant.headers)
    second = await client.delete(url, params={"purge": "true"}, headers=tenant.headers)
    assert second.status_code == 200
    assert second.json()["data"]["purged_at"] == first.json()["data"]["purged_at"]


async def test_nul_characters_are_422_not_a_server_error(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        PARTICIPANTS,
        json=participant(name="Grace\u0000", metadata={"notes": ["ok", "bad\u0000"]}),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert "NUL" in response.json()["issues"][0]["message"]
    listed = await client.get(PARTICIPANTS, params={"tag": "a\x00b"}, headers=tenant.headers)
    assert listed.status_code == 422
    assert issue_paths(listed) == [["query", "tag"]]


async def test_non_ascii_emails_are_compared_without_a_server_error(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await new_participant(client, tenant, email="élise@exämple.com")
    again = await client.post(
        PARTICIPANTS, json=participant(email="élise@exämple.com"), headers=tenant.headers
    )
    assert again.status_code == 409
    assert again.json()["existing_id"] == first["id"]
    # Whether É and é fold together depends on the database's locale; either way, no 500.
    upper = await client.post(
        PARTICIPANTS, json=participant(email="ÉLISE@exämple.com"), headers=tenant.headers
    )
    assert upper.status_code in (201, 409), upper.text
    bulk = await client.post(
        f"{PARTICIPANTS}/bulk",
        json={"participants": [participant(email="Élise@exämple.com")]},
        headers=tenant.headers,
    )
    assert bulk.status_code == 201, bulk.text
