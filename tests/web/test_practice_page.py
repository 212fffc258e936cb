"""A practice session in headless Chromium: the candidate is told it is a rehearsal, and at
the end opens their link to plain feedback per skill (no pass, no fail); the recruiter sees
that it happened, without the private transcript."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, Page, expect
from tests.assessments.modes import pipeline, schedule, scored
from tests.assessments.test_practice import ANSWERS, practice_stage
from tests.conftest import Tenant
from tests.scoring.pipeline import interview
from tests.web.conftest import Site, unique_email
from tests.web.test_dashboard import add_user, sign_in

from vivavoce.runtime import Database


async def test_a_candidate_rehearses_and_reads_their_feedback(
    site: Site,
    api: httpx.AsyncClient,
    tenant: Tenant,
    js_page: Page,
    browser: Browser,
    database: Database,
) -> None:
    world = await pipeline(api, tenant, practice_stage(), email=unique_email("kim"))
    session = await schedule(api, tenant, world, "rehearsal")
    page = js_page
    await page.goto(session["join_url"])
    await expect(page.get_by_text("This is a practice session")).to_be_visible()
    await expect(
        page.get_by_role("button", name="I understand, start the interview")
    ).to_be_visible()

    await interview(database, site.settings, tenant, session, ANSWERS)
    await page.goto(session["join_url"])  # feedback, or the page that waits for it
    await expect(page.get_by_role("heading", name="Your practice feedback")).to_be_visible(
        timeout=60_000
    )
    await expect(page.get_by_text("nothing here is a pass or a fail")).to_be_visible()
    skill = page.locator(".feedback-item").filter(has_text="Communication")
    await expect(skill.get_by_role("heading", name="What to work on")).to_be_visible()
    assert await page.get_by_text("turn ", exact=False).count() == 0  # no recruiter jargon
    card = await scored(api, tenant, session["id"])
    assert card["passed"] is None

    recruiter = await (await browser.new_context()).new_page()
    await sign_in(recruiter, site, await add_user(database, tenant, "member"))
    await recruiter.goto(f"{site.url}/dashboard/sessions/{session['id']}")
    await expect(recruiter.locator("#practice-note")).to_contain_text("Practice session.")
    await expect(recruiter.locator("#practice-note")).to_contain_text("shown feedback on 2 skills")
    await expect(
        recruiter.get_by_text("keeps this practice session's transcript private")
    ).to_be_visible()
    await expect(recruiter.get_by_text(ANSWERS[0][:40])).to_have_count(0)
    await recruiter.context.close()
