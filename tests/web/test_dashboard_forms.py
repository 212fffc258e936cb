"""The forms a recruiter fills most, as a recruiter meets them: dimension rows added and
removed with the weight total following (Chromium), the schedule form starting in the
browser's time zone with the only stage chosen, a time zone typed as a city refused with the
zone to pick, a stage saved without an interviewer warned about, failed interviews saying
why wherever their status shows, and a favicon."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, expect
from tests.conftest import Tenant, make_tenant
from tests.emails.smtp import SmtpServer
from tests.fixtures.world import build_world, created
from tests.web.conftest import Site, running_site
from tests.web.test_dashboard import PASSWORD, _form_post, _login, add_user, shot, sign_in

from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.sessions import service as sessions
from vivavoce.sessions.state import EndReason


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


@pytest.fixture
async def berlin(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A browser whose clock is set to Berlin."""
    opened = await browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Europe/Berlin"
    )
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        await opened.close()


async def admin_of_new_workspace(database: Database) -> tuple[Tenant, str]:
    tenant = await make_tenant(database)
    return tenant, await add_user(database, tenant, "admin")


async def test_dimension_rows_and_the_schedule_form_in_the_browser(
    site: Site, database: Database, berlin: BrowserContext
) -> None:
    tenant, email = await admin_of_new_workspace(database)
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await build_world(client, tenant.headers, stages=("screen",), email=unique())
    page = await berlin.new_page()
    await sign_in(page, site, email)

    await page.goto(f"{site.url}/dashboard/profiles/new")
    await page.get_by_label("Name", exact=True).fill("Rows test")
    await page.get_by_label("Persona").fill("I'm Rae, I interview analysts.")
    add = page.get_by_role("button", name="+ Add a dimension")
    for number, (name, weight) in enumerate(
        [("SQL", "50"), ("Statistics", "30"), ("Dropped", "15"), ("Communication", "20")], 1
    ):
        if number > 2:
            await add.click()
            await expect(page.get_by_label(f"Dimension {number} name")).to_be_focused()
        await page.get_by_label(f"Dimension {number} name").fill(name)
        await page.get_by_label(f"Dimension {number} description").fill(f"{name} skills")
        await page.get_by_label(f"Dimension {number} weight").fill(weight)
    total = page.locator("[data-weight-sum]")
    await expect(total).to_contain_text("Weights add up to 115 of 100")
    await page.get_by_role("button", name="Remove dimension 3").click()
    await expect(page.locator("tr.dim-row")).to_have_count(3)
    await expect(total).to_contain_text("100 of 100. ✓")
    await shot(page, "profile-rows")
    await page.get_by_role("button", name="Create agent profile").click()
    await expect(page.get_by_text("Agent profile created.")).to_be_visible()
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        listed = await client.get("/api/v1/agent-profiles", headers=tenant.headers)
    [made] = [p for p in listed.json()["data"] if p["name"] == "Rows test"]
    assert [(d["name"], d["weight"]) for d in made["evaluationDimensions"]] == [
        ("SQL", 50),
        ("Statistics", 30),
        ("Communication", 20),
    ]

    await page.goto(f"{site.url}/dashboard/sessions/new?participant={world.participant_id}")
    await expect(page.get_by_label("Template and stage")).to_have_value(
        f"{world.template_id}:screen"
    )  # the only stage there is
    zone = page.get_by_label("Time zone")
    await expect(zone).to_have_value("Europe/Berlin")  # the browser's zone
    assert await page.locator("datalist#zones option[value='America/Sao_Paulo']").count() == 1
    await page.get_by_role("button", name="Schedule and send the invite").click()
    await expect(page.get_by_text("Interview scheduled.")).to_be_visible()
    await expect(page.locator("#facts")).to_contain_text("any time")


def unique() -> str:
    return f"tz-{uuid.uuid4().hex[:8]}@example.com"


async def test_a_city_for_a_time_zone_is_refused_with_the_zone_to_pick(
    site: Site, database: Database
) -> None:
    tenant, email = await admin_of_new_workspace(database)
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await build_world(client, tenant.headers, stages=("screen",), email=unique())
        assert (await _login(client, email, PASSWORD)).status_code == 303
        form = {
            "participant": world.participant_id,
            "stage": f"{world.template_id}:screen",
            "scheduled_at": "2026-12-24T10:00",
        }
        refused = await _form_post(
            client, "/dashboard/sessions/new", {**form, "timezone": "Berlin"}
        )
        assert refused.status_code == 422
        assert "did you mean Europe/Berlin?" in refused.text
        assert 'aria-invalid="true"' in refused.text and 'value="Berlin"' in refused.text
        nothing = await client.get(
            "/api/v1/sessions",
            params={"candidate_id": world.participant_id},
            headers=tenant.headers,
        )
        assert nothing.json()["data"] == []
        made = await _form_post(
            client, "/dashboard/sessions/new", {**form, "timezone": "Europe/Berlin"}
        )
        assert made.status_code == 303
        [session] = (
            await client.get(
                "/api/v1/sessions",
                params={"candidate_id": world.participant_id},
                headers=tenant.headers,
            )
        ).json()["data"]
        assert session["timezone"] == "Europe/Berlin"
        assert session["scheduled_at"] == "2026-12-24T09:00:00Z"  # 10:00 in Berlin


async def test_a_stage_without_an_interviewer_is_warned_about(
    site: Site, database: Database
) -> None:
    tenant, email = await admin_of_new_workspace(database)
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await build_world(client, tenant.headers, stages=("screen",), email=unique())
        assert (await _login(client, email, PASSWORD)).status_code == 303
        path = f"/dashboard/templates/{world.template_id}/stages"
        added = await _form_post(
            client, path, {"type": "onsite", "stage_type": "ai_interview", "duration_minutes": "30"}
        )
        assert added.status_code == 303
        assert added.headers["location"].endswith("notice=stage_added_no_interviewer#stages")
        shown = await client.get(added.headers["location"])
        assert "it has no interviewer: choose an agent profile" in shown.text
        assert shown.text.count("data-no-interviewer") == 1  # the new stage, not "screen"


async def test_failed_interviews_say_why_and_there_is_a_favicon(
    site: Site, database: Database
) -> None:
    tenant, email = await admin_of_new_workspace(database)
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await build_world(client, tenant.headers, stages=("screen",), email=unique())
        body = {
            "candidate_id": world.participant_id,
            "evaluation_template_id": world.template_id,
            "stage": "screen",
        }
        session = await created(
            await client.post("/api/v1/sessions", json=body, headers=tenant.headers)
        )
        links = sessions.SessionLinks(site.settings.base_url, site.settings.secret_key)
        async with unit_of_work(database.sessionmaker) as db:
            await sessions.join(db, session["join_url"].rsplit("/", 1)[1], links, utcnow())
        async with unit_of_work(database.sessionmaker) as db:
            await sessions.fail(
                db, tenant.id, uuid.UUID(session["id"]), EndReason.CANDIDATE_ENDED, links, utcnow()
            )
        assert (await _login(client, email, PASSWORD)).status_code == 303
        why = "the candidate ended it early"
        for path in (
            f"/dashboard/sessions/{session['id']}",
            "/dashboard/sessions",
            f"/dashboard/templates/{world.template_id}",
        ):
            page = await client.get(path)
            assert page.status_code == 200
            assert "badge-failed" in page.text and why in page.text, path
        panel = await client.get(f"/dashboard/templates/{world.template_id}")
        assert 'data-outcome="stopped"' in panel.text and ">In progress<" not in panel.text

        icon = await client.get("/favicon.ico")
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
        assert icon.text.startswith("<svg")
        assert '<link rel="icon" href="/static/favicon.svg' in panel.text
        static = await client.get("/static/favicon.svg")
        assert static.status_code == 200
