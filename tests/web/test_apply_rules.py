"""The apply page's rules over plain HTTP: page answers, validation, CSRF, codes and the
throttles. Each test speaks from its own client address."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from tests.conftest import Tenant
from tests.web.conftest import apply_world, unique_email

from vivavoce.models import ApplyRequest, EmailMessage
from vivavoce.runtime import Database

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r"\b(\d{6})\b")


class Visitor:
    """A browser without a browser: keeps cookies, reads the CSRF token from each form."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token = ""

    async def get(self, path: str) -> httpx.Response:
        response = await self.http.get(path)
        found = TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    async def post(self, path: str, **fields: str) -> httpx.Response:
        return await self.http.post(path, data={"csrf_token": self.token, **fields})

    async def apply(self, template_id: str, email: str, **fields: str) -> httpx.Response:
        await self.get(f"/apply/{template_id}")
        form = {"name": "Ada Lovelace", "email": email, "consent": "yes", **fields}
        return await self.post(f"/apply/{template_id}", **form)


@pytest.fixture
async def visitor(app: Any) -> AsyncIterator[Visitor]:
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    transport = httpx.ASGITransport(app=app, client=(address, 40_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Visitor(http)


async def latest_code(database: Database, email: str) -> str:
    async with database.sessionmaker() as db:
        body = await db.scalar(
            select(EmailMessage.text_body)
            .where(EmailMessage.to_address == email, EmailMessage.kind == "otp")
            .order_by(EmailMessage.created_at.desc(), EmailMessage.id.desc())
            .limit(1)
        )
    assert body is not None
    found = CODE.search(body)
    assert found
    return found.group(1)


async def rewind_sends(database: Database, email: str, by: timedelta) -> None:
    """Pretend the codes to `email` were sent `by` earlier."""
    async with database.sessionmaker() as db, db.begin():
        await db.execute(
            update(ApplyRequest)
            .where(ApplyRequest.email == email)
            .values(otp_sent_at=ApplyRequest.otp_sent_at - by)
        )


def request_path(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


async def test_unknown_and_switched_off_pages_answer_a_plain_404_page(
    visitor: Visitor, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(client, tenant, enabled=False)
    for path in (
        f"/apply/{world.template_id}",
        "/apply/00000000-0000-7000-8000-000000000000",
        "/apply/not-a-uuid",
        f"/apply/{world.template_id}/requests/not-a-uuid",
    ):
        response = await visitor.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "Page not found" in response.text
        assert "Traceback" not in response.text

    draft = await apply_world(client, tenant, status="draft")
    assert (await visitor.get(f"/apply/{draft.template_id}")).status_code == 404


async def test_an_archived_template_no_longer_accepts_applications(
    visitor: Visitor, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(client, tenant)
    await visitor.get(f"/apply/{world.template_id}")
    archived = await client.patch(
        f"/api/v1/evaluation-templates/{world.template_id}",
        json={"status": "archived"},
        headers=tenant.headers,
    )
    assert archived.status_code == 200
    page = await visitor.get(f"/apply/{world.template_id}")
    assert page.status_code == 410
    assert "no longer accepting applications" in page.text
    sent = await visitor.post(
        f"/apply/{world.template_id}", name="Ada", email=unique_email(), consent="yes"
    )
    assert sent.status_code == 410


async def test_every_invalid_field_gets_its_own_message_and_the_values_stay(
    visitor: Visitor, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(client, tenant)
    await visitor.get(f"/apply/{world.template_id}")
    response = await visitor.post(
        f"/apply/{world.template_id}",
        name="Ada <b>Lovelace</b>",
        email="ada-at-example.com",
        phone="call me maybe",
        resume_url="ftp://example.com/cv.pdf",
    )
    assert response.status_code == 422
    page = response.text
    for field, message in (
        ("email", "Please enter a valid email address"),
        ("phone", "Please enter a phone number"),
        ("resume_url", "Please enter a link that starts with https://"),
        ("consent", "Please tick the box to agree"),
    ):
        assert f'id="{field}-error"' in page, field
        assert message in page
    assert 'id="name-error"' not in page
    assert 'value="Ada &lt;b&gt;Lovelace&lt;/b&gt;"' in page  # kept, and escaped
    assert 'value="ada-at-example.com"' in page
    assert 'aria-invalid="true"' in page


async def test_a_nul_character_in_a_field_gets_a_plain_422_page_and_stores_nothing(
    visitor: Visitor, client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await apply_world(client, tenant)
    email = unique_email()
    response = await visitor.apply(world.template_id, email, name="Ada\x00 Lovelace")
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]
    assert "This form could not be read" in response.text
    async with database.sessionmaker() as db:
        assert await db.scalar(select(ApplyRequest).where(ApplyRequest.email == email)) is None


async def test_pages_carry_a_strict_content_security_policy_and_are_not_cached(
    visitor: Visitor, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(client, tenant, branding={"primary_color": "#FFD700"})
    response = await visitor.get(f"/apply/{world.template_id}")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # no script may run at all
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    # A light accent gets dark button text, to stay readable.
    assert "--accent: #ffd700; --on-accent: #111827" in response.text
    stylesheet = await visitor.http.get("/static/public.css")
    assert stylesheet.status_code == 200
    assert "text/css" in stylesheet.headers["content-type"]


async def test_a_token_that_is_missing_forged_or_mismatched_is_refused(
    visitor: Visitor, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(client, tenant, requires_otp=False)
    path = f"/apply/{world.template_id}"
    fields = {"name": "Ada", "email": unique_email(), "consent": "yes"}
    await visitor.get(path)
    real = visitor.token
    nonce = real.split(".")[0]
    for token in ("", "x.y", f"{nonce}.{'0' * 64}"):
        response = await visitor.http.post(path, data={**fields, "csrf_token": token})
        assert response.status_code == 403, token
        assert "This form has expired" in response.text
    # A valid token of another browser does not match this browser's cookie.
    other = httpx.AsyncClient(transport=visitor.http._transport, base_url="http://testserver")
    async with other:
        stranger = Visitor(other)
        await stranger.get(path)
        mixed = await visitor.http.post(path, data={**fields, "csrf_token": stranger.token})
    assert mixed.status_code == 403
    # JSON bodies are no way around it either.
    as_json = await visitor.http.post(path, json={**fields, "csrf_token": real})
    assert as_json.status_code == 403
    accepted = await visitor.post(path, **fields)
    assert accepted.status_code == 303


async def test_a_new_code_replaces_the_old_one(
    visitor: Visitor, client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await apply_world(client, tenant)
    email = unique_email()
    path = request_path(await visitor.apply(world.template_id, email))
    first = await latest_code(database, email)
    await rewind_sends(database, email, timedelta(seconds=61))
    await visitor.get(path)
    resent = await visitor.post(f"{path}/resend")
    assert resent.headers["location"] == f"{path}?resent=1"
    second = await latest_code(database, email)
    page = await visitor.get(resent.headers["location"])
    assert "We sent a new code" in page.text

    if first != second:
        stale = await visitor.post(f"{path}/verify", code=first)
        assert stale.status_code == 422
        assert "4 tries left" in stale.text
    done = await visitor.post(f"{path}/verify", code=f"{second[:3]} {second[3:]}")
    assert done.status_code == 303
    assert "Application received" in (await visitor.get(path)).text


async def test_a_malformed_code_does_not_use_up_a_try(
    visitor: Visitor, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(client, tenant)
    path = request_path(await visitor.apply(world.template_id, unique_email()))
    await visitor.get(path)
    for typed in ("", "12a456", "1234567", "12345"):
        response = await visitor.post(f"{path}/verify", code=typed)
        assert response.status_code == 422
        assert "Please enter the 6-digit code from the email" in response.text
    wrong = await visitor.post(f"{path}/verify", code="000000")
    if wrong.status_code == 303:  # one chance in a million that it was the code
        return
    assert "(4 tries left)" in wrong.text


async def test_a_new_submission_retires_the_earlier_request_for_that_address(
    visitor: Visitor, client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await apply_world(client, tenant)
    email = unique_email()
    first = request_path(await visitor.apply(world.template_id, email))
    await rewind_sends(database, email, timedelta(seconds=61))
    second = request_path(await visitor.apply(world.template_id, email))
    assert first != second
    old = await visitor.get(first)
    assert "A newer code was sent" in old.text
    assert "Check your email" in (await visitor.get(second)).text


async def test_codes_to_one_address_are_a_minute_apart_and_five_an_hour(
    visitor: Visitor, client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await apply_world(client, tenant)
    email = unique_email()
    path = request_path(await visitor.apply(world.template_id, email))

    again = await visitor.apply(world.template_id, email)
    assert again.status_code == 429
    assert "We have just sent a code to this address" in again.text
    assert 'value="Ada Lovelace"' in again.text  # the form is kept
    await visitor.get(path)
    too_soon = await visitor.post(f"{path}/resend")
    assert too_soon.status_code == 429
    assert "ask for a new code in" in too_soon.text

    for _ in range(4):  # codes 2 to 5
        await rewind_sends(database, email, timedelta(seconds=61))
        assert (await visitor.post(f"{path}/resend")).status_code == 303
    await rewind_sends(database, email, timedelta(seconds=61))
    sixth = await visitor.post(f"{path}/resend")
    assert sixth.status_code == 429
    assert "several codes to this address in the last hour" in sixth.text
    assert (await visitor.apply(world.template_id, email)).status_code == 429
    # Another address is not held back.
    assert (await visitor.apply(world.template_id, unique_email())).status_code == 303


async def test_one_client_address_may_send_twenty_applications_an_hour(
    visitor: Visitor, app: Any, client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await apply_world(client, tenant, requires_otp=False)
    for _ in range(20):
        assert (await visitor.apply(world.template_id, unique_email())).status_code == 303
    refused_email = unique_email()
    refused = await visitor.apply(world.template_id, refused_email)
    assert refused.status_code == 429
    assert "Many applications have come from your network" in refused.text
    assert 3000 < int(refused.headers["retry-after"]) <= 3600
    async with database.sessionmaker() as db:
        assert (
            await db.scalar(select(ApplyRequest).where(ApplyRequest.email == refused_email)) is None
        )

    # An hour later the budget is back; other clients never shared it.
    async with database.sessionmaker() as db, db.begin():
        await db.execute(
            update(ApplyRequest)
            .where(ApplyRequest.client_ip == visitor_address(visitor))
            .values(created_at=datetime.now(UTC) - timedelta(hours=1, minutes=1))
        )
    assert (await visitor.apply(world.template_id, unique_email())).status_code == 303


def visitor_address(visitor: Visitor) -> str:
    transport = visitor.http._transport
    assert isinstance(transport, httpx.ASGITransport)
    return str(transport.client[0])


async def test_a_code_that_arrives_after_the_template_closed_creates_nothing(
    visitor: Visitor, client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await apply_world(client, tenant)
    email = unique_email()
    path = request_path(await visitor.apply(world.template_id, email))
    code = await latest_code(database, email)
    await client.patch(
        f"/api/v1/evaluation-templates/{world.template_id}",
        json={"status": "archived"},
        headers=tenant.headers,
    )
    await visitor.get(f"/apply/{world.template_id}")  # any page renews the token
    response = await visitor.post(f"{path}/verify", code=code)
    assert response.status_code == 410
    assert "no longer accepting applications" in response.text
    listed = await client.get(
        "/api/v1/participants", params={"email": email}, headers=tenant.headers
    )
    assert listed.json()["data"] == []
    reopened = await client.patch(
        f"/api/v1/evaluation-templates/{world.template_id}",
        json={"status": "active"},
        headers=tenant.headers,
    )
    assert reopened.status_code == 200
    page = await visitor.get(path)
    assert "This application was not completed" in page.text
    again = await visitor.post(f"{path}/verify", code=code)
    assert again.status_code == 410
