"""The reviewer stages in the dashboard, in headless Chromium: a member opens a manual
review, is told what is missing, submits a scorecard and a decision that advances the
candidate, then records the final decision on the final review's session page."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect
from tests.assessments.modes import application_of, pipeline, schedule, session_of
from tests.assessments.test_final_review import FINAL
from tests.assessments.test_manual_review import PANEL
from tests.conftest import Tenant
from tests.web.conftest import Site, unique_email
from tests.web.test_dashboard import add_user, sign_in

from vivavoce.runtime import Database


async def test_a_reviewer_scores_a_panel_and_records_the_final_decision(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, browser: Browser, database: Database
) -> None:
    world = await pipeline(api, tenant, PANEL, FINAL, email=unique_email("ivy"))
    panel = await schedule(api, tenant, world, "panel")
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = await context.new_page()
    await sign_in(page, site, await add_user(database, tenant, "member"))

    await page.goto(f"{site.url}/dashboard/sessions/{panel['id']}")
    await expect(page.get_by_text("the candidate has nothing to join")).to_be_visible()
    await page.get_by_role("button", name="Start the review").click()
    await expect(page.get_by_role("heading", name="Your scorecard")).to_be_visible()
    assert (await session_of(api, tenant, panel["id"]))["status"] == "in_progress"

    await page.get_by_label("System Design score (0-10)").fill("8")
    await page.get_by_label("System Design notes").fill("Clear failure model.")
    await page.get_by_role("button", name="Submit the scorecard").click()
    await expect(page.get_by_text("Enter a score from 0 to 10.")).to_be_visible()
    assert (await session_of(api, tenant, panel["id"]))["status"] == "in_progress"

    await page.get_by_label("Communication score (0-10)").fill("6.5")
    await page.get_by_role("combobox", name="Decision").select_option("advance")
    await page.get_by_label("Summary").fill("Move to the final decision.")
    await page.get_by_role("button", name="Submit the scorecard").click()
    await expect(page.get_by_text("Scorecard saved.")).to_be_visible()
    await expect(page.locator("[data-score]")).to_have_text("7.4")
    await expect(page.get_by_text("Clear failure model.")).to_be_visible()

    application = await application_of(api, tenant, world)
    final_id = {s["stage"]: s["latest_session_id"] for s in application["stages"]}["final"]
    assert final_id, application  # the panel's advance scheduled the final review
    await page.goto(f"{site.url}/dashboard/sessions/{final_id}")
    earlier = page.locator("#earlier-stages")
    await expect(earlier.get_by_role("link", name="panel")).to_be_visible()
    await expect(earlier).to_contain_text("7.4")
    await page.get_by_role("button", name="Record the decision").click()  # nothing chosen
    await expect(page.locator("#final-review .field-error").first).to_be_visible()
    await page.get_by_role("combobox", name="Decision").select_option("hire")
    await page.get_by_label("Reason").fill("Strong panel; the team agreed on an offer.")
    await page.get_by_role("button", name="Record the decision").click()
    await expect(page.get_by_text("Decision recorded.")).to_be_visible()
    await expect(page.locator("[data-decision]")).to_have_text("Hire")
    await expect(page.get_by_role("button", name="Record the decision")).to_have_count(0)
    decided = await application_of(api, tenant, world)
    assert decided["final_decision"]["decided_by"].startswith("member-")
    assert decided["outcome"] == "passed"
    await context.close()
