"""The public apply page in headless Chromium (JavaScript off: every page must work without
it), against a real server whose worker emails a real SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.async_api import Page, expect
from sqlalchemy import func, select, update
from tests.conftest import Tenant
from tests.emails.smtp import eventually
from tests.web.conftest import Site, apply_world, unique_email

from vivavoce.models import ApplyRequest
from vivavoce.runtime import Database


async def fill_form(page: Page, email: str, name: str = "Ada Lovelace") -> None:
    await page.get_by_label("Full name").fill(name)
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Phone number").fill("+44 20 7946 0958")
    await page.get_by_label("Link to your résumé or profile").fill("https://example.com/ada.pdf")
    await page.get_by_label("I have read this and I agree").check()


async def start(page: Page, site: Site, template_id: str, email: str) -> None:
    """Fill in the form and reach the "check your email" page."""
    await page.goto(site.apply_url(template_id))
    await fill_form(page, email)
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    await expect(page.get_by_text(email)).to_be_visible()


async def enter_code(page: Page, code: str) -> None:
    await page.get_by_label("Code from the email").fill(code)
    await page.get_by_role("button", name="Confirm").click()


async def participants_with(
    client: httpx.AsyncClient, tenant: Tenant, template_id: str, email: str
) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/participants",
        params={"email": email, "evaluation_template_id": template_id},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def events_of(
    client: httpx.AsyncClient, tenant: Tenant, event_type: str
) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/events", params={"event": event_type, "limit": 100}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def application_of(
    client: httpx.AsyncClient, tenant: Tenant, candidate_id: str
) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/applications", params={"candidate_id": candidate_id}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    (application,) = response.json()["data"]
    assert isinstance(application, dict)
    return application


async def requests_for(database: Database, email: str) -> int:
    async with database.sessionmaker() as db:
        count = await db.scalar(
            select(func.count()).select_from(ApplyRequest).where(ApplyRequest.email == email)
        )
    return int(count or 0)


async def test_a_candidate_applies_verifies_and_gets_the_interview_link(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(
        client,
        tenant,
        requires_approval=False,
        branding={"primary_color": "#0E7C66", "logo_url": None},
        description="Build and run the APIs our customers rely on.",
    )
    email = unique_email("ada")

    await page.goto(site.apply_url(world.template_id))
    await expect(page.get_by_role("heading", name="Backend engineer")).to_be_visible()
    await expect(page.get_by_text("Build and run the APIs")).to_be_visible()
    await expect(page.get_by_text("I can ask for my data to be erased")).to_be_visible()
    accent = await page.get_by_role("button", name="Continue").evaluate(
        "button => getComputedStyle(button).backgroundColor"
    )
    assert accent == "rgb(14, 124, 102)"  # the template's branding colour

    await fill_form(page, email)
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    await enter_code(page, await site.code_for(email))

    await expect(
        page.get_by_role("heading", name="Your interview link has been emailed to you")
    ).to_be_visible()
    await expect(page.get_by_text(email)).to_be_visible()

    (participant,) = await participants_with(client, tenant, world.template_id, email)
    assert participant["name"] == "Ada Lovelace"
    assert participant["phone"] == "+44 20 7946 0958"
    assert participant["resume_url"] == "https://example.com/ada.pdf"
    created = await events_of(client, tenant, "participant.created")
    assert participant["id"] in [e["data"]["participant"]["id"] for e in created]

    application = await application_of(client, tenant, participant["id"])
    assert application["source"] == "apply_page"
    assert application["approval_status"] == "approved"
    approved = await events_of(client, tenant, "application.approved")
    assert application["id"] in [e["data"]["application"]["id"] for e in approved]

    async def scheduled() -> dict[str, Any] | None:
        view = await application_of(client, tenant, participant["id"])
        return view if view["scheduling_status"] == "scheduled" else None

    view = await eventually(scheduled)
    assert view["current_stage"] == "screen"
    # The worker invited the candidate, with a join link to this server.
    invite = await eventually(
        lambda: [m for m in site.smtp.to(email) if "verification code" not in m.message["subject"]]
    )
    assert f"{site.url}/join/" in invite[0].text


async def test_an_application_that_needs_approval_is_received_and_confirmed_by_email(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(client, tenant, requires_approval=True)
    email = unique_email("grace")
    await start(page, site, world.template_id, email)
    await enter_code(page, await site.code_for(email))

    await expect(page.get_by_role("heading", name="Application received")).to_be_visible()
    await expect(page.get_by_text("once it has been reviewed")).to_be_visible()
    (participant,) = await participants_with(client, tenant, world.template_id, email)
    application = await application_of(client, tenant, participant["id"])
    assert application["approval_status"] == "pending"
    assert application["scheduling_status"] == "unscheduled"
    received = await eventually(
        lambda: [m for m in site.smtp.to(email) if "received" in m.message["subject"]]
    )
    assert "Backend engineer" in received[0].text
    # Reloading the page shows the same outcome, and the code cannot be used again.
    await page.reload()
    await expect(page.get_by_role("heading", name="Application received")).to_be_visible()


async def test_the_template_consent_text_is_shown_and_recorded_with_its_time(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    consent = "Acme keeps your answers for six months.\nAsk privacy@acme.example to erase them."
    world = await apply_world(client, tenant, requires_otp=False)
    response = await client.patch(
        f"/api/v1/evaluation-templates/{world.template_id}",
        json={"apply": {"consent_text": consent}},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    email = unique_email("mary")
    await page.goto(site.apply_url(world.template_id))
    await expect(page.get_by_text("Acme keeps your answers for six months.")).to_be_visible()
    await fill_form(page, email)
    await page.get_by_role("button", name="Send my application").click()
    await expect(page.get_by_role("heading", name="Application received")).to_be_visible()

    async with database.sessionmaker() as db:
        request = await db.scalar(select(ApplyRequest).where(ApplyRequest.email == email))
    assert request is not None
    assert request.consent_text == consent
    assert request.consented_at is not None
    assert request.status == "completed"


async def test_five_wrong_codes_lock_the_request(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(client, tenant)
    email = unique_email("eve")
    await start(page, site, world.template_id, email)
    request_url = page.url
    right = await site.code_for(email)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    for left in (4, 3, 2, 1):
        await enter_code(page, wrong)
        tries = "1 try" if left == 1 else f"{left} tries"
        await expect(page.get_by_text("That code is not right")).to_be_visible()
        await expect(page.get_by_text(f"({tries} left)")).to_be_visible()
        await expect(page.get_by_label("Code from the email")).to_have_attribute(
            "aria-invalid", "true"
        )
    token = await page.locator('input[name="csrf_token"]').first.get_attribute("value")
    await enter_code(page, wrong)
    await expect(page.get_by_role("heading", name="Too many attempts")).to_be_visible()
    await expect(page.get_by_text("it no longer works")).to_be_visible()
    await expect(page.get_by_role("link", name="Start again")).to_be_visible()

    # The request stays locked, and even the right code is refused now; nothing was created.
    await page.goto(request_url)
    await expect(page.get_by_role("heading", name="Too many attempts")).to_be_visible()
    assert token is not None
    late = await page.request.post(
        f"{request_url}/verify", form={"code": right, "csrf_token": token}
    )
    assert late.status == 429
    assert "Too many attempts" in await late.text()
    assert await participants_with(client, tenant, world.template_id, email) == []


async def test_an_expired_code_is_refused_and_a_new_one_can_be_sent(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await apply_world(client, tenant, requires_approval=True)
    email = unique_email("kay")
    await start(page, site, world.template_id, email)
    old = await site.code_for(email)
    now = datetime.now(UTC)
    async with database.sessionmaker() as db, db.begin():
        await db.execute(
            update(ApplyRequest)
            .where(ApplyRequest.email == email)
            .values(
                otp_expires_at=now - timedelta(seconds=1), otp_sent_at=now - timedelta(minutes=11)
            )
        )

    await enter_code(page, old)
    await expect(page.get_by_role("heading", name="Your code has expired")).to_be_visible()
    assert await participants_with(client, tenant, world.template_id, email) == []

    await page.get_by_role("button", name="Send a new code").click()
    await expect(page.get_by_text("We sent a new code")).to_be_visible()
    new = await site.code_for(email, nth=2)
    await enter_code(page, new)
    await expect(page.get_by_role("heading", name="Application received")).to_be_visible()
    assert len(await participants_with(client, tenant, world.template_id, email)) == 1


async def test_applying_twice_with_the_same_email_is_answered_kindly(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(client, tenant, requires_otp=False)
    email = unique_email("lin")
    for _ in range(2):
        await page.goto(site.apply_url(world.template_id))
        await fill_form(page, email)
        await page.get_by_role("button", name="Send my application").click()
    await expect(page.get_by_role("heading", name="You have already applied")).to_be_visible()
    await expect(page.get_by_text(email)).to_be_visible()
    assert len(await participants_with(client, tenant, world.template_id, email)) == 1

    # With verification, the answer comes only once the address is proved.
    verified = await apply_world(client, tenant)
    await start(page, site, verified.template_id, "grace@example.com")  # build_world's participant
    await enter_code(page, await site.code_for("grace@example.com"))
    await expect(page.get_by_role("heading", name="You have already applied")).to_be_visible()


async def test_a_bot_filling_the_honeypot_gets_a_fake_success_and_nothing_is_created(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await apply_world(client, tenant)
    email = unique_email("bot")
    await page.goto(site.apply_url(world.template_id))
    await fill_form(page, email)
    honeypot = page.locator("input[name=website]")
    await expect(honeypot).not_to_be_in_viewport()  # people never see it
    await expect(honeypot).to_have_attribute("tabindex", "-1")  # nor reach it with Tab
    await honeypot.fill("https://spam.example", force=True)
    await page.get_by_role("button", name="Continue").click()

    await expect(page.get_by_role("heading", name="Application received")).to_be_visible()
    assert await participants_with(client, tenant, world.template_id, email) == []
    assert await requests_for(database, email) == 0
    assert site.codes_sent_to(email) == []


async def test_a_post_without_the_csrf_token_is_refused(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await apply_world(client, tenant, requires_otp=False)
    email = unique_email("mallory")
    await page.goto(site.apply_url(world.template_id))
    await fill_form(page, email)
    await page.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    await page.get_by_role("button", name="Send my application").click()
    await expect(page.get_by_role("heading", name="This form has expired")).to_be_visible()

    # A forged cross-site POST: the browser sends the cookie, but the form cannot carry it.
    forged = await page.request.post(
        site.apply_url(world.template_id),
        form={"name": "Mallory", "email": email, "consent": "yes", "csrf_token": "x.y"},
    )
    assert forged.status == 403
    assert "This form has expired" in await forged.text()
    assert await participants_with(client, tenant, world.template_id, email) == []
    assert await requests_for(database, email) == 0


async def test_the_form_can_be_filled_in_and_sent_with_the_keyboard_alone(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(client, tenant, requires_otp=False)
    email = unique_email("kb")
    await page.goto(site.apply_url(world.template_id))
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    for label, text in (
        ("Full name", "Alan Turing"),
        ("Email address", email),
        ("Phone number", "+1 555 0100"),
        ("Link to your résumé or profile", "https://example.com/alan"),
    ):
        await page.keyboard.press("Tab")
        await expect(page.get_by_label(label)).to_be_focused()
        await page.keyboard.type(text)
    await page.keyboard.press("Tab")  # the optional "about you" section, folded: one stop
    await expect(page.locator("details.self-id > summary")).to_be_focused()
    await page.keyboard.press("Tab")  # the honeypot is skipped
    consent = page.get_by_label("I have read this and I agree")
    await expect(consent).to_be_focused()
    await page.keyboard.press("Space")
    await expect(consent).to_be_checked()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Send my application")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Application received")).to_be_visible()
    (participant,) = await participants_with(client, tenant, world.template_id, email)
    assert participant["name"] == "Alan Turing"


async def test_mistakes_are_shown_next_to_their_fields_in_the_browser(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await apply_world(client, tenant)
    await page.goto(site.apply_url(world.template_id))
    await page.get_by_label("Full name").fill("Ada Lovelace")
    await page.get_by_label("Email address").fill("ada@")
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", name="Please check the form")).to_be_visible()
    email = page.get_by_label("Email address")
    await expect(email).to_have_value("ada@")
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(email).to_have_accessible_description(re.compile("Please enter a valid email"))
    await expect(page.get_by_label("Full name")).to_have_value("Ada Lovelace")
    await expect(page.get_by_label("I have read this and I agree")).to_have_attribute(
        "aria-invalid", "true"
    )
    await page.get_by_role("link", name=re.compile("Please enter a valid email")).click()
    await expect(page).to_have_url(re.compile("#email$"))
    await expect(page).to_have_title(re.compile("^Error: "))


async def test_unknown_and_closed_pages_are_pages_not_traces(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await page.goto(site.apply_url("01a2b3c4-0000-7000-8000-000000000000"))
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    world = await apply_world(client, tenant)
    await client.patch(
        f"/api/v1/evaluation-templates/{world.template_id}",
        json={"status": "archived"},
        headers=tenant.headers,
    )
    await page.goto(site.apply_url(world.template_id))
    await expect(page.get_by_role("heading", name="Applications are closed")).to_be_visible()
    await expect(page.get_by_text("no longer accepting applications")).to_be_visible()
