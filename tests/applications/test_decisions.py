"""Approving and rejecting applications through the API, with their events and effects."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.world import World, add_participant, build_world, created


async def pending_application(
    client: httpx.AsyncClient, tenant: Tenant, world: World, email: str
) -> dict[str, Any]:
    participant = await add_participant(client, tenant.headers, world.template_id, email)
    return await created(
        await client.post(
            "/api/v1/applications",
            json={
                "candidate_id": participant,
                "evaluation_template_id": world.template_id,
                "approval_status": "pending",
            },
            headers=tenant.headers,
        )
    )


async def wait_for_session(
    client: httpx.AsyncClient, tenant: Tenant, application_id: str
) -> dict[str, Any]:
    for _ in range(200):
        view: dict[str, Any] = (
            await client.get(f"/api/v1/applications/{application_id}", headers=tenant.headers)
        ).json()["data"]
        if view["latest_session_id"]:
            return view
        await asyncio.sleep(0.05)
    raise AssertionError("no session was scheduled")


@pytest.mark.usefixtures("worker")
async def test_approval_fires_its_event_and_schedules_the_first_stage(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    application = await pending_application(client, tenant, world, "ada@example.com")
    assert application["approval_status"] == "pending"
    assert application["scheduling_status"] == "unscheduled"

    approved = await client.post(
        f"/api/v1/applications/{application['id']}/approve", headers=tenant.headers
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["data"]["approval_status"] == "approved"

    view = await wait_for_session(client, tenant, application["id"])
    assert view["current_stage"] == "screen"
    assert view["scheduling_status"] == "scheduled"
    session = (
        await client.get(f"/api/v1/sessions/{view['latest_session_id']}", headers=tenant.headers)
    ).json()["data"]
    assert session["evaluation_stage_id"] == world.stage_ids["screen"]
    log = (
        await client.get("/api/v1/events?event=application.approved", headers=tenant.headers)
    ).json()["data"]
    assert [e["data"]["application"]["id"] for e in log] == [application["id"]]

    again = await client.post(
        f"/api/v1/applications/{application['id']}/approve", headers=tenant.headers
    )
    assert again.status_code == 409
    assert again.json()["code"] == "application_decided"


async def test_rejection_fires_its_event_and_keeps_the_reason(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    application = await pending_application(client, tenant, world, "bob@example.com")
    rejected = await client.post(
        f"/api/v1/applications/{application['id']}/reject",
        json={"reason": "role filled"},
        headers=tenant.headers,
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["data"]["approval_status"] == "rejected"
    log = (
        await client.get("/api/v1/events?event=application.rejected", headers=tenant.headers)
    ).json()["data"]
    assert [e["application_id"] for e in log] == [application["id"]]
    late = await client.post(
        f"/api/v1/applications/{application['id']}/approve", headers=tenant.headers
    )
    assert late.status_code == 409
    no_body = await pending_application(client, tenant, world, "carol@example.com")
    plain = await client.post(
        f"/api/v1/applications/{no_body['id']}/reject", headers=tenant.headers
    )
    assert plain.status_code == 200


async def test_decisions_on_another_workspace_are_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    application = await pending_application(client, tenant, world, "dan@example.com")
    for action in ("approve", "reject"):
        response = await client.post(
            f"/api/v1/applications/{application['id']}/{action}", headers=other_tenant.headers
        )
        assert response.status_code == 404


async def test_a_second_application_for_the_same_template_is_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    application = await pending_application(client, tenant, world, "eve@example.com")
    again = await client.post(
        "/api/v1/applications",
        json={
            "candidate_id": application["candidate_id"],
            "evaluation_template_id": world.template_id,
        },
        headers=tenant.headers,
    )
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_application"
    assert again.json()["existing_id"] == application["id"]


async def test_rejection_emails_a_polite_notice_without_the_internal_reason(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    application = await pending_application(client, tenant, world, "fay@example.com")
    await client.post(
        f"/api/v1/applications/{application['id']}/reject",
        json={"reason": "weak on system design"},
        headers=tenant.headers,
    )
    listed = await client.get(
        "/api/v1/emails",
        params={"participant_id": application["candidate_id"], "kind": "application_rejected"},
        headers=tenant.headers,
    )
    [summary] = listed.json()["data"]
    message = (await client.get(f"/api/v1/emails/{summary['id']}", headers=tenant.headers)).json()[
        "data"
    ]
    assert message["to_address"] == "fay@example.com"
    assert "weak on system design" not in message["text_body"]
    assert "weak on system design" not in message["html_body"]


async def test_no_notice_when_the_template_says_so(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    await client.patch(
        f"/api/v1/evaluation-templates/{world.template_id}",
        json={"apply": {"notify_on_rejection": False}},
        headers=tenant.headers,
    )
    application = await pending_application(client, tenant, world, "gus@example.com")
    await client.post(f"/api/v1/applications/{application['id']}/reject", headers=tenant.headers)
    listed = await client.get(
        "/api/v1/emails",
        params={"participant_id": application["candidate_id"], "kind": "application_rejected"},
        headers=tenant.headers,
    )
    assert listed.json()["data"] == []
