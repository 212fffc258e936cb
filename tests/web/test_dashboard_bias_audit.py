"""The bias-audit page in Chromium against a real server: a member opens it from the
template page, reads the tables and the drawn selection rates (the group under four fifths
marked, small groups withheld), filters by period, downloads the CSV, gets a bad filter
explained next to its field, and reads it on a phone; another workspace's user gets 404
for the page and the CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, expect
from tests.bias_audit.test_report_api import people
from tests.bias_audit.world import audited_template
from tests.conftest import make_tenant
from tests.emails.smtp import SmtpServer
from tests.web.conftest import Site, running_site
from tests.web.test_dashboard import add_user, shot, sign_in

from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.runtime import Database

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(
        viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_member_reads_the_audit_filters_it_and_downloads_the_csv(
    site: Site, database: Database, context: BrowserContext
) -> None:
    tenant = await make_tenant(database)
    email = await add_user(database, tenant, "member")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await audited_template(client, tenant, database, people())
    page = await context.new_page()
    await sign_in(page, site, email)
    await page.goto(f"{site.url}/dashboard/templates/{world['template_id']}")
    await page.get_by_role("link", name="Bias audit").click()
    await expect(page.get_by_role("heading", name="Bias audit", exact=True)).to_be_visible()
    await expect(page.locator('[data-total="candidates"]')).to_have_text("17")
    await expect(page.locator('[data-total="disclosed"]')).to_have_text("14")

    sex = page.locator("#audit-sex")
    women = sex.locator('tr[data-group="female"]')
    await expect(women.locator('[data-col="selection_rate"]')).to_have_text("67%")
    await expect(women.locator('[data-col="impact_ratio"]')).to_have_text("0.67 under 4/5")
    await expect(sex.locator('tr[data-group="male"] [data-col="impact_ratio"]')).to_have_text(
        "1.00 highest"
    )
    await expect(sex.locator('tr[data-group="another"]')).to_have_attribute(
        "data-suppressed", "yes"
    )
    await expect(sex.locator('tr[data-group="another"] [data-col="candidates"]')).to_have_text(
        "withheld"
    )
    # the picture: one bar per group shown, the women's marked under the four-fifths line
    chart = sex.locator('svg[data-chart="audit-sex"]')
    await expect(chart.locator("rect.chart-bar")).to_have_count(2)
    await expect(chart.locator('rect.chart-bar-below[data-group="Female"]')).to_have_count(1)
    await expect(chart.locator("line.chart-threshold")).to_have_count(1)
    await expect(chart.locator("text.chart-note")).to_have_text(["fewer than 5: not shown"])
    assert "Female: 67% (under four fifths" in (await chart.locator("desc").text_content() or "")
    race = page.locator("#audit-race_ethnicity")
    await expect(race.locator('tr[data-group="white"] [data-col="candidates"]')).to_have_text("6")
    await expect(
        race.locator('tr[data-group="not_disclosed"] [data-col="candidates"]')
    ).to_have_text("5")
    await shot(page, "bias-audit")

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download CSV").click()
    download = await waiting.value
    path = await download.path()
    assert path is not None
    lines = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    female = next(r for r in lines if r["category"] == "Sex" and r["group"] == "Female")
    assert (female["candidates"], female["passed"], female["impact_ratio"]) == ("6", "4", "0.6667")
    assert female["below_four_fifths"] == "yes" and female["stage"] == "panel"
    another = next(r for r in lines if r["group"] == "Another gender or non-binary")
    assert (another["candidates"], another["suppressed"]) == ("", "yes")

    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    await page.get_by_label("Scored from").fill(tomorrow)
    await page.get_by_role("button", name="Show").click()
    await expect(page.get_by_text("Nobody was scored at this stage in this period")).to_be_visible()
    await expect(page.get_by_label("Scored from")).to_have_value(tomorrow)

    await page.get_by_label("Scored from").fill("")
    await page.get_by_label("Smallest group shown").fill("2")
    await page.get_by_role("button", name="Show").click()
    field = page.get_by_label("Smallest group shown")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#min_group_size-error")).to_contain_text("never shown")

    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{site.url}/dashboard/templates/{world['template_id']}/bias-audit")
    assert await page.evaluate(OVERFLOW) <= 0
    await shot(page, "bias-audit-phone")


async def test_another_workspace_cannot_read_the_audit_or_its_csv(
    site: Site, database: Database
) -> None:
    tenant, stranger = await make_tenant(database), await make_tenant(database)
    outsider = await add_user(database, stranger, "admin")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await audited_template(client, tenant, database, people()[:3])
        login = await client.get("/dashboard/login")
        token = login.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = await client.post(
            "/dashboard/login",
            data={
                "email": outsider,
                "password": "correct horse battery staple",
                "csrf_token": token,
            },
            headers={"origin": site.url},
        )
        assert signed.status_code == 303, signed.text
        base = f"/dashboard/templates/{world['template_id']}/bias-audit"
        for path in (base, base + ".csv"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert "Female" not in response.text
