"""Reminders 24 h and 1 h before: planned as deferred jobs when a session is scheduled, and
void once the session moves or ends. The task runs here directly with a job's payload."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text

from tests.conftest import Tenant
from tests.emails.conftest import emails_of, schedule, unique_email, world_for
from tests.emails.smtp import SmtpServer
from vivavoce.config import Settings
from vivavoce.emails import tasks
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.jobs import JobContext
from vivavoce.runtime import Database


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def soon(minutes: int) -> datetime:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).replace(microsecond=0)


async def reminder_jobs(database: Database, session_id: str) -> list[dict[str, Any]]:
    async with unit_of_work(database.sessionmaker) as db:
        rows = await db.execute(
            text(
                "SELECT payload, execute_after FROM pgqueuer "
                "WHERE entrypoint = 'emails.reminder' ORDER BY execute_after"
            )
        )
        jobs = [{**json.loads(row.payload), "execute_after": row.execute_after} for row in rows]
    return [job for job in jobs if job["session_id"] == session_id]


async def run_reminder(
    settings: Settings, database: Database, tenant: Tenant, session: dict[str, Any], lead: str
) -> None:
    """Run the task with the payload its job would carry for `session` as it is now."""
    scheduled_at = datetime.fromisoformat(session["scheduled_at"].replace("Z", "+00:00"))
    job = {
        "session_id": session["id"],
        "workspace_id": str(tenant.id),
        "scheduled_at": scheduled_at.isoformat(),
        "lead": lead,
    }
    context = JobContext(settings=settings, sessionmaker=database.sessionmaker)
    await tasks.remind(context, job)


async def send_all(
    settings: Settings, database: Database, client: httpx.AsyncClient, tenant: Tenant, **f: str
) -> None:
    context = JobContext(settings=settings, sessionmaker=database.sessionmaker)
    for email in await emails_of(client, tenant, **f):
        await tasks.send(context, {"message_id": email["id"]})


async def test_scheduling_plans_reminders_24_h_and_1_h_before(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await world_for(client, tenant, unique_email())
    at = soon(3 * 24 * 60)
    session = await schedule(client, tenant, world, scheduled_at=iso(at), timezone="Europe/Paris")
    jobs = await reminder_jobs(database, session["id"])
    assert [job["lead"] for job in jobs] == ["24h", "1h"]
    for job, lead in zip(jobs, (timedelta(hours=24), timedelta(hours=1)), strict=True):
        assert abs(job["execute_after"] - (at - lead)) < timedelta(seconds=30)
        assert datetime.fromisoformat(job["scheduled_at"]) == at
        assert job["workspace_id"] == str(tenant.id)


async def test_a_lead_already_past_is_skipped_and_an_untimed_session_has_none(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await world_for(client, tenant, unique_email())
    in_three_hours = await schedule(client, tenant, world, scheduled_at=iso(soon(180)))
    assert [j["lead"] for j in await reminder_jobs(database, in_three_hours["id"])] == ["1h"]
    untimed = await schedule(client, tenant, world, force=True)
    assert await reminder_jobs(database, untimed["id"]) == []


async def test_the_reminder_task_sends_the_link_and_a_calendar_entry(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    smtp_settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    address = unique_email()
    world = await world_for(client, tenant, address)
    at = soon(30)
    session = await schedule(client, tenant, world, scheduled_at=iso(at), timezone="Asia/Kolkata")
    assert await reminder_jobs(database, session["id"]) == []  # both leads already past

    await run_reminder(smtp_settings, database, tenant, session, "1h")
    await run_reminder(smtp_settings, database, tenant, session, "1h")  # a job run twice
    (reminder,) = await emails_of(client, tenant, session_id=session["id"], kind="reminder")
    await send_all(smtp_settings, database, client, tenant, session_id=session["id"])

    delivered = {d.message["Subject"]: d for d in await smtp_server.wait_for(address, 2)}
    subject = "Reminder: your interview for Backend engineer starts in 1 hour"
    assert subject in delivered
    mail = delivered[subject]
    assert session["join_url"] in mail.text
    assert f'href="{session["join_url"]}"' in mail.html
    local = at.astimezone(ZoneInfo("Asia/Kolkata"))
    assert f"{local:%H:%M} IST (Asia/Kolkata)" in mail.text
    (calendar,) = [p for p in mail.attachments() if p.get_content_type() == "text/calendar"]
    assert f"UID:{session['id']}@vivavoce" in calendar.get_content()
    assert reminder["kind"] == "reminder"


async def test_a_reminder_for_an_old_time_does_nothing_after_a_reschedule(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, smtp_settings: Settings
) -> None:
    world = await world_for(client, tenant, unique_email())
    session = await schedule(client, tenant, world, scheduled_at=iso(soon(30)))
    moved = await client.patch(
        f"/api/v1/sessions/{session['id']}",
        json={"scheduled_at": iso(soon(50))},
        headers=tenant.headers,
    )
    assert moved.status_code == 200

    await run_reminder(smtp_settings, database, tenant, session, "1h")  # the old time
    assert await emails_of(client, tenant, session_id=session["id"], kind="reminder") == []
    await run_reminder(smtp_settings, database, tenant, moved.json()["data"], "1h")
    assert len(await emails_of(client, tenant, session_id=session["id"], kind="reminder")) == 1


async def test_no_reminder_for_a_cancelled_session_a_late_job_or_an_erased_participant(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, smtp_settings: Settings
) -> None:
    world = await world_for(client, tenant, unique_email())
    cancelled = await schedule(client, tenant, world, scheduled_at=iso(soon(30)))
    await client.post(f"/api/v1/sessions/{cancelled['id']}/cancel", headers=tenant.headers)
    await run_reminder(smtp_settings, database, tenant, cancelled, "1h")
    assert await emails_of(client, tenant, session_id=cancelled["id"], kind="reminder") == []

    late = await schedule(client, tenant, world, scheduled_at=iso(soon(30)), force=True)
    await run_reminder(smtp_settings, database, tenant, late, "24h")  # the 1 h one covers it
    assert await emails_of(client, tenant, session_id=late["id"], kind="reminder") == []

    purged = await client.delete(
        f"/api/v1/participants/{world.participant_id}?purge=true", headers=tenant.headers
    )
    assert purged.status_code in (200, 204), purged.text
    await run_reminder(smtp_settings, database, tenant, late, "1h")
    assert await emails_of(client, tenant, session_id=late["id"], kind="reminder") == []

    ghost = {**late, "id": str(uuid.uuid4())}
    await run_reminder(smtp_settings, database, tenant, ghost, "1h")  # a deleted session
