"""An unanswered or busy call is tried again on the documented schedule (docs/phone.md), the
session staying `scheduled`, each attempt a `session.call_attempted` event; after the last
one the session fails as `unreachable`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from tests.conftest import Tenant
from tests.phone.sessions import data, phone_session
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.models import PhoneCall
from vivavoce.phone import service
from vivavoce.runtime import Database
from vivavoce.sessions.service import SessionLinks


async def test_unanswered_calls_are_retried_then_the_session_fails_as_unreachable(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    session = await phone_session(client, tenant)
    url = f"/api/v1/sessions/{session['id']}"
    await data(
        await client.put(f"{url}/phone", json={"phone": "+447700900123"}, headers=tenant.headers),
        200,
    )
    await data(await client.post(f"{url}/call", headers=tenant.headers), 202)
    links = SessionLinks(settings.base_url, settings.secret_key)
    now = utcnow()
    outcomes = [("busy", 486), ("no_answer", 480), ("failed", 503), ("no_answer", 408)]
    for attempt, (outcome, status) in enumerate(outcomes, start=1):
        due = [
            d
            for d in await service.claim_due(database.sessionmaker, now, 1000)
            if str(d.session_id) == session["id"]
        ]
        assert len(due) == 1 and due[0].attempt == attempt
        assert (
            not [  # taken: not due twice
                d
                for d in await service.claim_due(database.sessionmaker, now, 1000)
                if str(d.session_id) == session["id"]
            ]
        )
        next_due = await service.attempt_ended(
            database.sessionmaker, due[0], outcome, status, now, links
        )
        if attempt <= len(service.RETRY_DELAYS):
            assert next_due == now + service.RETRY_DELAYS[attempt - 1]
            state = (await data(await client.get(url, headers=tenant.headers), 200))["status"]
            assert state == "scheduled"
            early = await service.claim_due(database.sessionmaker, next_due - timedelta(1), 1000)
            assert str(session["id"]) not in {str(d.session_id) for d in early}
            now = next_due
        else:
            assert next_due is None
    failed = await data(await client.get(url, headers=tenant.headers), 200)
    assert failed["status"] == "failed" and failed["end_reason"] == "unreachable"
    listed = await client.get(
        "/api/v1/events",
        params={"event": "session.call_attempted"},
        headers=tenant.headers,
    )
    assert listed.status_code == 200, listed.text
    attempts = [e["data"] for e in listed.json()["data"] if e["session_id"] == session["id"]]
    assert sorted((a["attempt"], a["outcome"], a["sip_status"]) for a in attempts) == [
        (1, "busy", 486),
        (2, "no_answer", 480),
        (3, "failed", 503),
        (4, "no_answer", 408),
    ]
    refused = await client.post(f"{url}/call", headers=tenant.headers)
    assert refused.status_code == 409


def test_quiet_hours_are_the_candidates_own() -> None:
    quiet = service.QuietHours(21, 8)
    evening = datetime(2026, 12, 4, 20, 30, tzinfo=UTC)  # 20:30 in London, 21:30 in Paris
    assert quiet.next_allowed(evening, "Europe/London") is None
    assert quiet.next_allowed(evening, "Europe/Paris") == datetime(2026, 12, 5, 7, 0, tzinfo=UTC)
    early = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)  # 06:00 in London, 01:00 in New York
    assert quiet.next_allowed(early, "Europe/London") == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert quiet.next_allowed(early, "America/New_York") == datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
    assert service.QuietHours(13, 14).next_allowed(early, "Asia/Tokyo") is None  # 15:00 there
    assert service.QuietHours(0, 0).next_allowed(early, "America/New_York") is None


async def test_a_call_due_in_the_candidates_quiet_hours_waits_for_their_morning(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    session = await phone_session(client, tenant)
    url = f"/api/v1/sessions/{session['id']}"
    patched = await client.patch(url, json={"timezone": "Asia/Tokyo"}, headers=tenant.headers)
    assert patched.status_code == 200, patched.text
    await data(
        await client.put(f"{url}/phone", json={"phone": "+81312345678"}, headers=tenant.headers),
        200,
    )
    await data(await client.post(f"{url}/call", headers=tenant.headers), 202)
    night = datetime(2030, 1, 10, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    quiet = service.QuietHours(21, 8)
    taken = await service.claim_due(database.sessionmaker, night, 1000, quiet)
    assert session["id"] not in {str(d.session_id) for d in taken}
    async with database.sessionmaker() as db:
        row = await db.scalar(select(PhoneCall).where(PhoneCall.session_id == session["id"]))
        assert row is not None and row.attempts == 0
        assert row.due_at == datetime(2030, 1, 10, 23, 0, tzinfo=UTC)  # 08:00 in Tokyo
    morning = datetime(2030, 1, 10, 23, 0, tzinfo=UTC)
    taken = await service.claim_due(database.sessionmaker, morning, 1000, quiet)
    assert session["id"] in {str(d.session_id) for d in taken}
