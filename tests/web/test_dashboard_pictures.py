"""The pictures in Chromium: a template's funnel, the score distributions of a stage, a
candidate drawn against them and an interview's timeline, on real scorecards written by the
scoring job; screenshots in tests/.screenshots/dashboard/ (the test artefacts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, expect
from tests.conftest import make_tenant
from tests.emails.smtp import SmtpServer
from tests.fixtures.world import add_participant
from tests.scoring.pipeline import interview, pipeline, schedule, scored
from tests.web.conftest import Site, running_site
from tests.web.test_dashboard import SHOTS, add_user, shot, sign_in

from vivavoce.config import Settings
from vivavoce.runtime import Database

ANSWERS = (
    [
        "I'd use Kafka partitioned by tenant, consumers in a group, idempotent writes to "
        "PostgreSQL with an outbox, and backpressure by lag.",
        "Offsets are committed after the "
        "write, so a crash replays the batch and the idempotency key drops duplicates.",
    ],
    ["A queue and some workers.", "It retries."],
    ["I am not sure.", "I don't know."],
)


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(viewport={"width": 1280, "height": 900})
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        await opened.close()


async def test_funnel_distributions_and_timeline(
    site: Site, database: Database, context: BrowserContext
) -> None:
    tenant = await make_tenant(database)
    email = await add_user(database, tenant, "admin")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await pipeline(client, tenant, ("none",), email="first@example.com")
        ids = []
        for number, answers in enumerate(ANSWERS):
            if number:
                world = {
                    **world,
                    "participant_id": await add_participant(
                        client, tenant.headers, world["template_id"], f"c{number}@example.com"
                    ),
                }
            session = await schedule(client, tenant, world, "s0")
            ids.append(await interview(database, site.settings, tenant, session, answers))
        cards = [await scored(client, tenant, session_id) for session_id in ids]
        invited_only = await add_participant(
            client, tenant.headers, world["template_id"], "later@example.com"
        )
        await schedule(client, tenant, {**world, "participant_id": invited_only}, "s0")
    page = await context.new_page()
    await sign_in(page, site, email)
    template = world["template_id"]

    await page.goto(f"{site.url}/dashboard/templates/{template}")
    funnel = page.locator("#pipeline svg[data-chart='funnel-s0']")
    await expect(funnel).to_be_visible()
    passed = sum(1 for card in cards if card["passed"])
    await expect(funnel.locator("desc")).to_have_text(
        "Candidates: 4; Invited: 4 (100% of the step before); Started: 3 (75% of the step "
        f"before); Completed: 3 (100% of the step before); Passed: {passed} "
        f"({round(100 * passed / 3)}% of the step before)"
    )
    await page.locator("#pipeline").screenshot(path=str(shot_path("picture-funnel")))

    await page.goto(f"{site.url}/dashboard/templates/{template}/compare")
    overall = page.locator("#distributions svg[data-chart='dist-overall']")
    await expect(overall).to_be_visible()
    await expect(overall.locator("desc")).to_contain_text("3 scored")
    dimensions = cards[0]["evaluation_breakdown"]
    await expect(page.locator("#distributions svg")).to_have_count(1 + len(dimensions))
    await page.locator("#distributions").screenshot(path=str(shot_path("picture-distributions")))

    best = max(cards, key=lambda c: float(c["score"]))
    await page.goto(f"{site.url}/dashboard/sessions/{best['id']}")
    against = page.locator("#against svg[data-chart='against-overall']")
    await expect(against.locator("desc")).to_contain_text(f"This candidate scored {best['score']}")
    await expect(against.locator("line.chart-mark")).to_have_count(1)
    strip = page.locator("#timeline-strip svg")
    await expect(strip).to_be_visible()
    await expect(strip.locator("rect.chart-turn")).to_have_count(3 + 2 * len(ANSWERS[0]))
    await page.locator("#against").screenshot(path=str(shot_path("picture-against")))
    await page.locator("#timeline-strip").screenshot(path=str(shot_path("picture-timeline")))
    await shot(page, "picture-session")


def shot_path(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"
