"""The dashboard puts a service error on the form field it is about by the error's fields
(resource, field), never by its message text."""

from __future__ import annotations

import uuid

import httpx
from tests.conftest import Tenant
from tests.fixtures.world import build_world, created, session_body
from tests.web.conftest import csrf_token_in, unique_email
from tests.web.test_dashboard import PASSWORD, _login, add_user

from vivavoce.runtime import Database

ORIGIN = {"Origin": "http://testserver"}


async def test_an_unknown_agent_profile_is_shown_on_its_field(
    client: httpx.AsyncClient, database: Database, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers, email=unique_email("typed"))
    assert (
        await _login(client, await add_user(database, tenant, "admin"), PASSWORD)
    ).status_code == 303
    page = await client.get(f"/dashboard/templates/{world.template_id}")
    form = {
        "csrf_token": csrf_token_in(page.text),
        "type": "deep-dive",
        "stage_name": "Deep dive",
        "agent_profile_id": str(uuid.uuid4()),
        "duration_minutes": "30",
    }
    added = await client.post(
        f"/dashboard/templates/{world.template_id}/stages", data=form, headers=ORIGIN
    )
    assert added.status_code == 422
    assert 'aria-describedby="agent_profile_id-error"' in added.text
    assert "agent profile not found" in added.text

    missing = await client.post(
        f"/dashboard/templates/{uuid.uuid4()}/stages", data=form, headers=ORIGIN
    )
    assert missing.status_code == 404  # a missing template is a missing page


async def test_a_second_open_session_is_shown_on_the_participant_field(
    client: httpx.AsyncClient, database: Database, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers, email=unique_email("twice"))
    await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    assert (
        await _login(client, await add_user(database, tenant, "admin"), PASSWORD)
    ).status_code == 303
    page = await client.get("/dashboard/sessions/new")
    form = {
        "csrf_token": csrf_token_in(page.text),
        "participant": world.participant_id,
        "stage": f"{world.template_id}:screen",
    }
    again = await client.post("/dashboard/sessions/new", data=form, headers=ORIGIN)
    assert again.status_code == 409, again.text[:500]
    assert 'aria-describedby="participant-error"' in again.text
