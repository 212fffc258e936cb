"""Invites, updates and cancellations reach a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import icalendar
import pytest

from tests.conftest import Tenant
from tests.emails.conftest import (
    emails_of,
    schedule,
    smtp_settings_for,
    unique_email,
    wait_for_status,
    world_for,
)
from tests.emails.smtp import Delivered, SmtpServer, eventually
from tests.fixtures.jobs import finished
from vivavoce.config import Settings
from vivavoce.emails import notify
from vivavoce.emails.service import SEND_JOB
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.jobs import JobContext, run_worker
from vivavoce.runtime import Database, job_registry
from vivavoce.sessions import service as sessions
from vivavoce.templates import service as templates

AT = "2035-03-06T14:30:00Z"
MOVED = "2035-03-07T16:00:00Z"


def calendar_of(delivered: Delivered) -> tuple[str, icalendar.Calendar, icalendar.Event]:
    parts = [p for p in delivered.attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    calendar = icalendar.Calendar.from_ical(part.get_content())
    (vevent,) = calendar.events
    return str(part.get_filename()), calendar, vevent


@pytest.mark.usefixtures("smtp_worker")
async def test_scheduling_sends_an_invite_with_the_join_link_local_time_and_ics(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, smtp_server: SmtpServer
) -> None:
    address = unique_email()
    world = await world_for(client, tenant, address)
    session = await schedule(client, tenant, world, scheduled_at=AT, timezone="America/New_York")

    (invite,) = await smtp_server.wait_for(address)
    message = invite.message
    assert message["To"] == f"Grace Hopper <{address}>"
    assert message["From"] == "Acme Talent <talent@acme.example>"
    assert message["Subject"].startswith("Your interview for Backend engineer")
    assert message.get_content_type() == "multipart/mixed"
    assert session["join_url"] in invite.text
    assert f'href="{session["join_url"]}"' in invite.html
    assert "Tuesday 6 March 2035, 09:30 EST (America/New_York)" in invite.text
    assert "Tuesday 6 March 2035, 09:30 EST (America/New_York)" in invite.html
    assert "14:30 UTC" in invite.text

    filename, calendar, vevent = calendar_of(invite)
    assert filename == "invite.ics"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == f"{session['id']}@vivavoce"
    assert vevent.decoded("DTSTART") == datetime(2035, 3, 6, 14, 30, tzinfo=UTC)
    assert session["join_url"] in str(vevent["DESCRIPTION"])
    assert str(vevent["ORGANIZER"]) == "mailto:talent@acme.example"

    token = session["join_url"].rsplit("/", 1)[1]  # the emailed link opens this session
    async with unit_of_work(database.sessionmaker) as db:
        assert (await sessions.session_for_token(db, token)).id == uuid.UUID(session["id"])

    (logged,) = await emails_of(client, tenant, session_id=session["id"])
    sent = await wait_for_status(client, tenant, logged["id"], "sent")
    assert sent["kind"] == "invite" and sent["attempts"] == 1 and sent["sent_at"]
    assert sent["participant_id"] == world.participant_id
    assert sent["attachments"][0]["filename"] == "invite.ics"


@pytest.mark.usefixtures("smtp_worker")
async def test_reschedule_sends_an_update_and_cancel_a_cancellation(
    client: httpx.AsyncClient, tenant: Tenant, smtp_server: SmtpServer
) -> None:
    address = unique_email()
    world = await world_for(client, tenant, address)
    session = await schedule(client, tenant, world, scheduled_at=AT, timezone="Europe/Berlin")
    await smtp_server.wait_for(address, 1)

    moved = await client.patch(
        f"/api/v1/sessions/{session['id']}", json={"scheduled_at": MOVED}, headers=tenant.headers
    )
    assert moved.status_code == 200, moved.text
    notes_only = await client.patch(
        f"/api/v1/sessions/{session['id']}", json={"notes": "internal"}, headers=tenant.headers
    )
    assert notes_only.status_code == 200
    cancelled = await client.post(
        f"/api/v1/sessions/{session['id']}/cancel", headers=tenant.headers
    )
    assert cancelled.status_code == 200

    invite, update, cancellation = await smtp_server.wait_for(address, 3)
    # a notes-only change tells the candidate nothing: the outbox, written in each change's
    # transaction, holds the three messages and no fourth
    assert len(await emails_of(client, tenant, session_id=session["id"])) == 3
    assert len(smtp_server.to(address)) == 3
    assert update.message["Subject"].startswith("New time for your Backend engineer interview")
    assert "Wednesday 7 March 2035, 17:00 CET (Europe/Berlin)" in update.text
    assert "It was planned for Tuesday 6 March 2035, 15:30 CET" in update.text
    assert session["join_url"] in update.text
    assert "cancelled" in cancellation.message["Subject"]
    assert session["join_url"] not in cancellation.text

    _, _, first = calendar_of(invite)
    _, update_calendar, second = calendar_of(update)
    cancel_name, cancel_calendar, third = calendar_of(cancellation)
    assert str(first["UID"]) == str(second["UID"]) == str(third["UID"])
    sequences = [int(vevent.decoded("SEQUENCE")) for vevent in (first, second, third)]
    assert sequences == sorted(set(sequences))
    assert str(update_calendar["METHOD"]) == "REQUEST"
    assert second.decoded("DTSTART") == datetime(2035, 3, 7, 16, 0, tzinfo=UTC)
    assert cancel_name == "cancel.ics"
    assert str(cancel_calendar["METHOD"]) == "CANCEL"
    assert str(third["STATUS"]) == "CANCELLED"

    kinds = [e["kind"] for e in await emails_of(client, tenant, session_id=session["id"])]
    assert kinds == ["cancelled", "rescheduled", "invite"]  # newest first


@pytest.mark.usefixtures("smtp_worker")
async def test_an_invite_without_a_time_has_no_calendar_and_says_any_time(
    client: httpx.AsyncClient, tenant: Tenant, smtp_server: SmtpServer
) -> None:
    address = unique_email()
    world = await world_for(client, tenant, address)
    session = await schedule(client, tenant, world)
    (invite,) = await smtp_server.wait_for(address)
    assert invite.attachments() == []
    assert "whenever you are ready" in invite.text
    assert session["join_url"] in invite.text


@pytest.mark.usefixtures("smtp_worker")
async def test_branding_reaches_the_candidate(
    client: httpx.AsyncClient, tenant: Tenant, smtp_server: SmtpServer
) -> None:
    address = unique_email()
    world = await world_for(client, tenant, address)
    patched = await client.patch(
        f"/api/v1/evaluation-templates/{world.template_id}",
        json={
            "branding": {"primary_color": "#0A7D55", "logo_url": "https://cdn.acme.example/l.png"}
        },
        headers=tenant.headers,
    )
    assert patched.status_code == 200, patched.text
    await schedule(client, tenant, world, scheduled_at=AT)
    (invite,) = await smtp_server.wait_for(address)
    assert "background-color:#0A7D55" in invite.html
    assert '<img src="https://cdn.acme.example/l.png"' in invite.html


async def test_smtp_down_is_retried_and_the_message_goes_out_when_it_is_back(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    server = SmtpServer()  # not started: connections are refused
    stop = asyncio.Event()
    context = JobContext(
        settings=smtp_settings_for(settings, server), sessionmaker=database.sessionmaker
    )
    worker = asyncio.create_task(run_worker(database.url, job_registry(), context, stop))
    try:
        address = unique_email()
        world = await world_for(client, tenant, address)
        session = await schedule(client, tenant, world, scheduled_at=AT)

        async def failed_once() -> dict[str, object] | None:
            found = await emails_of(client, tenant, session_id=session["id"])
            return found[0] if found and int(found[0]["attempts"]) >= 1 else None

        email = await eventually(failed_once)
        assert email["status"] == "queued"
        assert email["last_error"]
        server.start()
        sent = await wait_for_status(client, tenant, str(email["id"]), "sent", within=30)
        assert int(sent["attempts"]) >= 2
        assert sent["last_error"] is None
        (delivered,) = await server.wait_for(address)
        assert session["join_url"] in delivered.text
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=20)
        server.stop()


@pytest.mark.usefixtures("smtp_worker")
async def test_a_permanent_refusal_fails_the_message_without_retrying(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, smtp_server: SmtpServer
) -> None:
    address = unique_email("nobody")
    smtp_server.refuse.add(address)
    world = await world_for(client, tenant, address)
    session = await schedule(client, tenant, world)
    (email,) = await emails_of(client, tenant, session_id=session["id"])
    failed = await wait_for_status(client, tenant, email["id"], "failed")
    assert failed["attempts"] == 1
    assert "550" in failed["last_error"]
    # the job ended without asking for a retry (a retry stays queued, and fails this wait)
    await finished(database, SEND_JOB, message_id=email["id"])
    again = await client.get(f"/api/v1/emails/{email['id']}", headers=tenant.headers)
    assert again.json()["data"]["attempts"] == 1
    assert smtp_server.to(address) == []


@pytest.mark.usefixtures("smtp_worker")
async def test_a_verification_code_is_delivered_then_blanked_in_the_log(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, smtp_server: SmtpServer
) -> None:
    address = unique_email()
    world = await world_for(client, tenant, address)
    async with unit_of_work(database.sessionmaker) as db:
        template = await templates.get_template(db, tenant.id, uuid.UUID(world.template_id))
        queued = await notify.otp_code(
            db,
            workspace_id=tenant.id,
            to_address=address,
            to_name="Grace",
            code="731902",
            template=template,
            expires_minutes=10,
        )
    (delivered,) = await smtp_server.wait_for(address)
    assert "731902" in delivered.text and "731902" in delivered.html
    logged = await wait_for_status(client, tenant, str(queued.id), "sent")
    assert "731902" not in logged["subject"] + logged["text_body"] + logged["html_body"]
    assert "••••••" in logged["text_body"]
