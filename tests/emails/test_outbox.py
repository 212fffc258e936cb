"""Without SMTP every message stays in the outbox, readable over the API."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import Tenant
from tests.emails.conftest import emails_of, schedule, unique_email, wait_for_status, world_for
from vivavoce.emails import notify
from vivavoce.emails import service as emails
from vivavoce.kit.db import unit_of_work
from vivavoce.participants import service as participants
from vivavoce.runtime import Database
from vivavoce.templates import service as templates

AT = "2035-03-06T14:30:00Z"


@pytest.mark.usefixtures("worker")  # the shared worker has no SMTP server configured
async def test_without_smtp_the_invite_stays_in_the_outbox_with_its_bodies(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    address = unique_email()
    world = await world_for(client, tenant, address)
    session = await schedule(client, tenant, world, scheduled_at=AT, timezone="Asia/Tokyo")
    (listed,) = await emails_of(client, tenant, session_id=session["id"])
    assert "text_body" not in listed  # the list is a log; bodies are in the detail
    email = await wait_for_status(client, tenant, listed["id"], "outbox")
    assert email["to_address"] == address
    assert email["to_name"] == "Grace Hopper"
    assert email["kind"] == "invite"
    assert email["sent_at"] is None and email["attempts"] == 0
    assert session["join_url"] in email["text_body"]
    assert session["join_url"] in email["html_body"]
    assert "Tuesday 6 March 2035, 23:30 JST (Asia/Tokyo)" in email["text_body"]
    assert email["attachments"] == [
        {
            "filename": "invite.ics",
            "content_type": "text/calendar",
            "size": email["attachments"][0]["size"],
        }
    ]
    assert email["attachments"][0]["size"] > 200


@pytest.mark.usefixtures("worker")
async def test_a_code_in_the_outbox_stays_readable_for_offline_flows(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await world_for(client, tenant, unique_email())
    async with unit_of_work(database.sessionmaker) as db:
        template = await templates.get_template(db, tenant.id, uuid.UUID(world.template_id))
        queued = await notify.otp_code(
            db,
            workspace_id=tenant.id,
            to_address=unique_email("applicant"),
            to_name=None,
            code="550119",
            template=template,
            expires_minutes=10,
        )
    email = await wait_for_status(client, tenant, str(queued.id), "outbox")
    assert "550119" in email["text_body"] and "550119" in email["subject"]


async def test_the_log_filters_by_participant_session_kind_and_status(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await world_for(client, tenant, unique_email())
    first = await schedule(client, tenant, world, scheduled_at=AT)
    await client.post(f"/api/v1/sessions/{first['id']}/cancel", headers=tenant.headers)
    second = await schedule(client, tenant, world)

    mine = await emails_of(client, tenant, participant_id=world.participant_id)
    assert [e["kind"] for e in mine] == ["invite", "cancelled", "invite"]
    assert [e["kind"] for e in await emails_of(client, tenant, session_id=second["id"])] == [
        "invite"
    ]
    cancellations = await emails_of(
        client, tenant, participant_id=world.participant_id, kind="cancelled"
    )
    assert [e["session_id"] for e in cancellations] == [first["id"]]
    assert await emails_of(client, tenant, participant_id=world.participant_id, status="sent") == []

    page = await client.get(
        "/api/v1/emails",
        params={"participant_id": world.participant_id, "limit": 2},
        headers=tenant.headers,
    )
    body = page.json()
    assert len(body["data"]) == 2 and body["has_more"] is True
    rest = await client.get(
        "/api/v1/emails",
        params={"participant_id": world.participant_id, "cursor": body["next_cursor"]},
        headers=tenant.headers,
    )
    assert [e["id"] for e in rest.json()["data"]] == [mine[2]["id"]]

    for bad in ({"kind": "newsletter"}, {"status": "lost"}, {"participant_id": "nope"}):
        response = await client.get("/api/v1/emails", params=bad, headers=tenant.headers)
        assert response.status_code == 422, bad


async def test_other_workspaces_see_nothing_and_the_scope_is_needed(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    world = await world_for(client, tenant, unique_email())
    session = await schedule(client, tenant, world)
    (email,) = await emails_of(client, tenant, session_id=session["id"])

    foreign = await client.get(f"/api/v1/emails/{email['id']}", headers=other_tenant.headers)
    assert foreign.status_code == 404
    assert await emails_of(client, other_tenant, session_id=session["id"]) == []
    assert await emails_of(client, other_tenant) == []
    missing = await client.get(f"/api/v1/emails/{uuid.uuid4()}", headers=tenant.headers)
    assert missing.status_code == 404

    no_scope = await tenant.key_with("interviews.read")
    assert (await client.get("/api/v1/emails", headers=no_scope)).status_code == 403
    reader = await tenant.key_with("candidates.read")
    assert (await client.get(f"/api/v1/emails/{email['id']}", headers=reader)).status_code == 200
    assert (await client.get("/api/v1/emails")).status_code == 401


async def test_erasing_a_participant_deletes_their_emails_and_codes(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    address = unique_email()
    world = await world_for(client, tenant, address)
    other = await world_for(client, tenant, unique_email("other"))
    await schedule(client, tenant, world)
    await schedule(client, tenant, other)
    async with unit_of_work(database.sessionmaker) as db:
        template = await templates.get_template(db, tenant.id, uuid.UUID(world.template_id))
        await notify.otp_code(
            db,
            workspace_id=tenant.id,
            to_address=address.upper(),
            to_name=None,
            code="123456",
            template=template,
            expires_minutes=10,
        )
    async with unit_of_work(database.sessionmaker) as db:
        participant = await participants.get(db, tenant.id, uuid.UUID(world.participant_id))
        erased = await emails.erase_for_participant(
            db, participant.id, workspace_id=tenant.id, to_address=participant.email
        )
    assert erased == 2
    assert await emails_of(client, tenant, participant_id=world.participant_id) == []
    everything = await emails_of(client, tenant, limit="100")
    assert all(address not in e["to_address"].lower() for e in everything)
    assert len(await emails_of(client, tenant, participant_id=other.participant_id)) == 1


async def test_erasing_by_address_spares_another_participant_with_that_address(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    address = unique_email()
    first = await world_for(client, tenant, address)
    second = await world_for(client, tenant, address)  # the same person, another template
    await schedule(client, tenant, first)
    await schedule(client, tenant, second)
    async with unit_of_work(database.sessionmaker) as db:
        erased = await emails.erase_for_participant(
            db, uuid.UUID(first.participant_id), workspace_id=tenant.id, to_address=address
        )
    assert erased == 1
    assert len(await emails_of(client, tenant, participant_id=second.participant_id)) == 1


async def test_moving_a_session_to_no_fixed_time_takes_the_calendar_entry_away(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await world_for(client, tenant, unique_email())
    session = await schedule(client, tenant, world, scheduled_at=AT)
    moved = await client.patch(
        f"/api/v1/sessions/{session['id']}", json={"scheduled_at": None}, headers=tenant.headers
    )
    assert moved.status_code == 200, moved.text
    update, _ = await emails_of(client, tenant, session_id=session["id"])
    assert update["kind"] == "rescheduled"
    assert [a["filename"] for a in update["attachments"]] == ["cancel.ics"]
    detail = await client.get(f"/api/v1/emails/{update['id']}", headers=tenant.headers)
    assert "whenever you are ready" in detail.json()["data"]["text_body"]
    assert "removes the entry for the old time" in detail.json()["data"]["text_body"]
