"""`PUT /sessions/{id}/phone` and `POST /sessions/{id}/call`: E.164 numbers, a PIN kept as a
keyed digest, another workspace's session 404, the wrong state or channel 409."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from tests.conftest import Tenant
from tests.phone.sessions import data, phone_session
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.models import PhoneCall
from vivavoce.phone import service
from vivavoce.runtime import Database


async def test_a_session_becomes_a_phone_interview_with_a_pin_kept_as_a_digest(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    session = await phone_session(client, tenant)
    setup = await data(
        await client.put(
            f"/api/v1/sessions/{session['id']}/phone",
            json={"phone": "+1 (415) 555-0100"},
            headers=tenant.headers,
        ),
        200,
    )
    assert setup == {
        "session_id": session["id"],
        "channel": "phone",
        "phone": "+14155550100",
        "dial_in_pin": setup["dial_in_pin"],
    }
    pin = setup["dial_in_pin"]
    assert pin.isdigit() and len(pin) == 8
    async with database.sessionmaker() as db:
        row = await db.scalar(select(PhoneCall).where(PhoneCall.session_id == session["id"]))
        assert row is not None and pin not in row.pin_digest
        assert row.pin_digest == service.pin_digest(settings.secret_key, pin)
        found = await service.dialled_in(db, settings.secret_key, pin)
        assert found is not None and str(found.id) == session["id"]
        wrong = str((int(pin[0]) + 1) % 10) + pin[1:]
        assert await service.dialled_in(db, settings.secret_key, wrong) is None
    call = await data(
        await client.post(f"/api/v1/sessions/{session['id']}/call", headers=tenant.headers), 202
    )
    assert call["session_id"] == session["id"] and call["attempts"] == 0
    due = await service.claim_due(database.sessionmaker, utcnow(), 100)
    assert [d.session_id for d in due if str(d.session_id) == session["id"]]
    again = await client.post(f"/api/v1/sessions/{session['id']}/call", headers=tenant.headers)
    assert again.status_code == 409 and again.json()["code"] == "call_in_progress"


async def test_bad_numbers_are_refused_and_change_nothing(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    session = await phone_session(client, tenant)
    for bad in ("07700 900123", "+0123456789", "+12", "+1415555010012345", "call me"):
        refused = await client.put(
            f"/api/v1/sessions/{session['id']}/phone", json={"phone": bad}, headers=tenant.headers
        )
        assert refused.status_code == 422, (bad, refused.text)
    async with database.sessionmaker() as db:
        assert (
            await db.scalar(select(PhoneCall).where(PhoneCall.session_id == session["id"])) is None
        )


async def test_a_session_that_is_not_a_phone_interview_is_not_called(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await phone_session(client, tenant)
    refused = await client.post(f"/api/v1/sessions/{session['id']}/call", headers=tenant.headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_a_phone_session"


async def test_a_cancelled_session_is_neither_set_up_nor_called(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await phone_session(client, tenant)
    url = f"/api/v1/sessions/{session['id']}"
    await data(
        await client.put(f"{url}/phone", json={"phone": "+447700900123"}, headers=tenant.headers),
        200,
    )
    cancelled = await client.post(f"{url}/cancel", headers=tenant.headers)
    assert cancelled.status_code == 200, cancelled.text
    refused = await client.post(f"{url}/call", headers=tenant.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "session_immutable"
    again = await client.put(
        f"{url}/phone", json={"phone": "+447700900123"}, headers=tenant.headers
    )
    assert again.status_code == 409


async def test_another_workspaces_session_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    session = await phone_session(client, tenant)
    url = f"/api/v1/sessions/{session['id']}"
    await data(
        await client.put(f"{url}/phone", json={"phone": "+447700900123"}, headers=tenant.headers),
        200,
    )
    foreign = other_tenant.headers
    assert (await client.post(f"{url}/call", headers=foreign)).status_code == 404
    put = await client.put(f"{url}/phone", json={"phone": "+447700900124"}, headers=foreign)
    assert put.status_code == 404
