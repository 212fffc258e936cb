"""The apply page's optional self-identification in headless Chromium (JavaScript off): the
section is folded, says what it is for and starts at "Prefer not to say"; a candidate opens
it, answers one question, confirms the email code, and the answers end up apart from the
application — on the participant, nowhere in what the API shows of them."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Page, expect
from sqlalchemy import select
from tests.conftest import Tenant
from tests.web.conftest import Site, apply_world, unique_email
from tests.web.test_apply_flow import enter_code, fill_form, participants_with
from tests.web.test_dashboard import shot

from vivavoce.bias_audit.model import SelfIdentification
from vivavoce.runtime import Database


async def test_a_candidate_answers_one_question_and_declines_the_other(
    page: Page, site: Site, client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await apply_world(client, tenant, requires_otp=True)
    email = unique_email("sid")
    await page.goto(site.apply_url(world.template_id))
    section = page.locator("details.self-id")
    await expect(section).not_to_have_attribute("open", "")
    await fill_form(page, email)
    await page.get_by_text("About you, for our fairness check").click()
    await expect(section.get_by_text("You do not have to answer.")).to_be_visible()
    sex = page.get_by_role("group", name="Sex")
    race = page.get_by_role("group", name="Race or ethnicity")
    await expect(sex.get_by_label("Prefer not to say")).to_be_checked()
    await expect(race.get_by_label("Prefer not to say")).to_be_checked()
    await race.get_by_label("Black or African American").check()
    await shot(page, "apply-self-identification")
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    await enter_code(page, await site.code_for(email))
    await expect(page.get_by_role("heading", name="Application received")).to_be_visible()

    (participant,) = await participants_with(client, tenant, world.template_id, email)
    async with database.sessionmaker() as db:
        stored = list(
            await db.scalars(
                select(SelfIdentification).where(SelfIdentification.workspace_id == tenant.id)
            )
        )
    assert [(s.participant_id, s.sex, s.race_ethnicity) for s in stored] == [
        (uuid.UUID(participant["id"]), None, "black")
    ]
    assert "black" not in str(participant) and "race" not in str(participant)
