"""The one-way assessment page in headless Chromium against a real server with its worker:
a candidate reads each question, answers, redoes an answer, reloads half-way and carries on
at the next unanswered question, and a second tab never answers a question twice."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, Page, expect
from tests.assessments.modes import QUESTIONS, pipeline, schedule, scored, session_of
from tests.assessments.test_async_assessment import ANSWERS, async_stage
from tests.conftest import Tenant
from tests.web.conftest import Site, unique_email
from tests.web.test_dashboard import add_user, sign_in

from vivavoce.runtime import Database


async def _answer(page: Page, text: str) -> None:
    await page.get_by_role("textbox", name="Your answer").fill(text)
    await page.get_by_role("button", name="Save my answer").click()


async def test_a_candidate_takes_a_one_way_interview_in_the_browser(
    site: Site,
    api: httpx.AsyncClient,
    tenant: Tenant,
    js_page: Page,
    browser: Browser,
    database: Database,
) -> None:
    world = await pipeline(api, tenant, async_stage(prep_seconds=60), email=unique_email("ines"))
    session = await schedule(api, tenant, world, "one-way")
    page = js_page
    await page.goto(session["join_url"])
    await expect(page.get_by_text("This is a one-way interview")).to_be_visible()
    await expect(page.get_by_text("There are 2 questions.")).to_be_visible()
    await page.get_by_role("button", name="I understand, start the assessment").click()
    await expect(page.get_by_role("heading", name="Question 1 of 2")).to_be_visible()
    assert (await session_of(api, tenant, session["id"]))["status"] == "in_progress"

    await page.get_by_role("button", name="Show the question").click()
    await expect(page.get_by_text(QUESTIONS[0]["text"])).to_be_visible()
    await expect(page.get_by_role("timer")).to_contain_text("Preparation time left")
    await page.get_by_role("button", name="Start answering now").click()
    await expect(page.get_by_role("timer")).to_contain_text("Answer time left")
    await _answer(page, "A first, hesitant try.")
    await expect(page.get_by_text("You can redo this answer 1 more time.")).to_be_visible()
    await page.get_by_role("button", name="Redo this answer").click()
    await page.get_by_role("button", name="Start answering now").click()
    await _answer(page, ANSWERS[0])  # the last attempt: it stands
    await expect(page.get_by_role("heading", name="Question 2 of 2")).to_be_visible()

    await page.reload()  # resumes at the next unanswered question, no notice again
    await expect(page.get_by_role("heading", name="Question 2 of 2")).to_be_visible()
    await expect(page.get_by_text("This is a one-way interview")).to_be_hidden()
    await page.get_by_role("button", name="Show the question").click()
    await page.get_by_role("button", name="Start answering now").click()
    await _answer(page, ANSWERS[1])

    other = await (await browser.new_context()).new_page()  # a second tab, same link
    await other.goto(session["join_url"])
    await expect(other.get_by_role("heading", name="Question 2 of 2")).to_be_visible()
    await expect(other.get_by_text(ANSWERS[1])).to_be_visible()  # the answer under review

    await page.get_by_role("button", name="Submit and continue").click()
    await expect(page.get_by_role("heading", name="Your answers are in")).to_be_visible()
    await other.get_by_role("button", name="Submit and continue").click()  # stale: refused
    await expect(other.get_by_role("heading", name="Your answers are in")).to_be_visible()
    await other.context.close()

    card = await scored(api, tenant, session["id"])
    assert card["status"] == "completed" and card["score"] is not None
    turns = (
        await api.get(f"/api/v1/sessions/{session['id']}/transcript", headers=tenant.headers)
    ).json()["data"]
    assert [t["text"] for t in turns if t["speaker"] == "participant"] == ANSWERS
    await page.goto(session["join_url"])
    await expect(page.get_by_role("heading", name="Your interview is complete")).to_be_visible()

    # the recruiter's session page: the questions with the answers, the scorecard
    recruiter = await (await browser.new_context()).new_page()
    await sign_in(recruiter, site, await add_user(database, tenant, "member"))
    await recruiter.goto(f"{site.url}/dashboard/sessions/{session['id']}")
    await expect(recruiter.get_by_text("Async assessment")).to_be_visible()
    answers = recruiter.get_by_role("list").filter(has_text=ANSWERS[0])
    await expect(recruiter.get_by_role("heading", name="Questions and answers")).to_be_visible()
    await expect(answers.get_by_text(QUESTIONS[1]["text"])).to_be_visible()
    await expect(recruiter.locator("[data-score]")).to_have_text(card["score"])
    await recruiter.context.close()
