"""The dashboard on a phone (390 by 844 in Chromium): no page scrolls sideways (wide tables
scroll inside their box, the dimension rows become cards), the menu is a button that opens
the navigation, and on the candidate's side the Send button is on screen."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect
from tests.conftest import make_tenant
from tests.emails.smtp import SmtpServer
from tests.scoring.pipeline import interview, pipeline, schedule
from tests.web.conftest import Site, running_site
from tests.web.test_dashboard import add_user, shot, sign_in

from vivavoce.config import Settings
from vivavoce.runtime import Database

PHONE: ViewportSize = {"width": 390, "height": 844}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        await opened.close()


async def no_sideways_scroll(page: Page, path: str, name: str) -> None:
    response = await page.goto(path)
    assert response is not None and response.status == 200, path
    overflow = await page.evaluate(OVERFLOW)
    await shot(page, f"phone-{name}")
    assert overflow <= 0, f"{path} is {overflow} px wider than the phone"


async def test_every_page_fits_a_phone_and_the_menu_opens(
    site: Site, database: Database, phone: BrowserContext
) -> None:
    tenant = await make_tenant(database)
    email = await add_user(database, tenant, "admin")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await pipeline(client, tenant, ("none", "none"))
        done = await schedule(client, tenant, world, "s0")
        await schedule(client, tenant, world, "s1")
    session_id = await interview(database, site.settings, tenant, done, "I'd shard by tenant id.")
    page = await phone.new_page()
    await sign_in(page, site, email)

    menu = page.get_by_role("button", name="Menu")
    await expect(menu).to_be_visible()
    await expect(page.get_by_role("link", name="Participants")).to_be_hidden()
    await menu.click()
    await expect(menu).to_have_attribute("aria-expanded", "true")
    await expect(page.get_by_role("link", name="Participants")).to_be_visible()
    await shot(page, "phone-menu-open")
    await page.get_by_role("link", name="Participants").click()
    await expect(page.get_by_role("heading", name="Participants", exact=True)).to_be_visible()

    template = world["template_id"]
    pages = {
        "overview": "/dashboard",
        "profiles": "/dashboard/profiles",
        "profile-new": "/dashboard/profiles/new",
        "templates": "/dashboard/templates",
        "template": f"/dashboard/templates/{template}",
        "compare": f"/dashboard/templates/{template}/compare",
        "participants": "/dashboard/participants",
        "sessions": "/dashboard/sessions",
        "session": f"/dashboard/sessions/{session_id}",
        "schedule": "/dashboard/sessions/new",
        "outbox": "/dashboard/outbox",
        "keys": "/dashboard/developer/keys",
        "webhooks": "/dashboard/developer/webhooks",
        "users": "/dashboard/users",
        "settings": "/dashboard/settings",
    }
    for name, path in pages.items():
        await no_sideways_scroll(page, f"{site.url}{path}", name)

    # a wide table scrolls inside its own box, the page does not
    await page.goto(f"{site.url}/dashboard/sessions")
    table = page.locator("main table").first
    assert await table.evaluate("t => t.scrollWidth > t.clientWidth || t.clientWidth <= 390")
    # the dimension rows are cards with their labels shown
    await page.goto(f"{site.url}/dashboard/profiles/new")
    await expect(page.locator("label[for='f-dim-0-weight']")).to_be_visible()


async def test_the_candidate_sees_send_on_a_phone(
    site: Site, database: Database, phone: BrowserContext
) -> None:
    tenant = await make_tenant(database)
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await pipeline(client, tenant, ("none",), email=f"p-{uuid.uuid4().hex[:6]}@x.org")
        session = await schedule(client, tenant, world, "s0")
    page = await phone.new_page()
    await page.goto(session["join_url"])
    await page.get_by_role("button", name="I understand, start the interview").click()
    await expect(page.locator("li.turn-ai[data-index]").first).to_be_visible()
    await expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
    assert await page.evaluate(OVERFLOW) <= 0
    await shot(page, "phone-join")
