"""Reviewing a scorecard from the session page: the form in Chromium (adjust with a reason,
the AI's original and the audit trail shown, two tabs that must not overwrite each other),
and over plain HTTP the CSRF check, validation that changes nothing, and isolation."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, expect
from tests.conftest import Tenant, make_tenant
from tests.emails.smtp import SmtpServer
from tests.scoring.pipeline import interview, pipeline, schedule, scored
from tests.scoring.test_review_gate import FLAGGED_INTERVIEW
from tests.web.conftest import Site, running_site
from tests.web.test_dashboard import PASSWORD, _form_post, _login, add_user, shot, sign_in

from vivavoce.config import Settings
from vivavoce.runtime import Database


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(viewport={"width": 1366, "height": 900})
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        await opened.close()


async def flagged_card(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, site: Site
) -> dict[str, Any]:
    """A scored session the scorer flagged for review (it passed, with a note to the scorer)."""
    world = await pipeline(client, tenant, ("require_reviewer_approval", "auto_advance"))
    first = await schedule(client, tenant, world, "s0")
    session_id = await interview(database, site.settings, tenant, first, FLAGGED_INTERVIEW)
    card = await scored(client, tenant, session_id)
    assert card["review"] == {"status": "pending", "version": 0}
    return card


async def api_view(client: httpx.AsyncClient, tenant: Tenant, card: dict[str, Any]) -> Any:
    response = await client.get(f"/api/v1/sessions/{card['id']}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def reviews_of(client: httpx.AsyncClient, tenant: Tenant, card: dict[str, Any]) -> Any:
    response = await client.get(
        f"/api/v1/sessions/{card['id']}/scorecard/reviews", headers=tenant.headers
    )
    return response.json()["data"]["reviews"]


def adjust_form(card: dict[str, Any], **changes: str) -> dict[str, str]:
    form = {f"score-{d['dimension_id']}": f"{d['score']:.1f}" for d in card["evaluation_breakdown"]}
    form.update({"action": "adjust", "version": str(card["review"]["version"])})
    form.update(changes)
    return form


async def test_bad_review_forms_change_nothing_and_a_good_one_is_audited(
    site: Site, database: Database
) -> None:
    tenant = await make_tenant(database)
    email = await add_user(database, tenant, "member")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        card = await flagged_card(client, tenant, database, site)
        first = card["evaluation_breakdown"][0]["dimension_id"]
        path = f"/dashboard/sessions/{card['id']}/review"
        assert (await _login(client, email, PASSWORD)).status_code == 303

        page = await client.get(f"/dashboard/sessions/{card['id']}")
        assert page.status_code == 200
        assert f'action="{path}"' in page.text
        assert 'name="version" value="0"' in page.text
        assert f'name="score-{first}"' in page.text
        assert "Nobody has reviewed this scorecard yet" in page.text

        forged = await client.post(
            path,
            data=adjust_form(card, **{f"score-{first}": "1.0", "reason": "forged"}),
            headers={"Origin": site.url},
        )
        assert forged.status_code == 403 and "security token" in forged.text

        no_reason = await _form_post(client, path, adjust_form(card, **{f"score-{first}": "2"}))
        assert no_reason.status_code == 422
        assert "An adjustment needs a written reason" in no_reason.text
        too_high = await _form_post(
            client, path, adjust_form(card, **{f"score-{first}": "11", "reason": "too high"})
        )
        assert too_high.status_code == 422
        assert re.search(rf'id="score-{first}-error">.*less than or equal to 10', too_high.text)
        not_a_number = await _form_post(
            client, path, adjust_form(card, **{f"score-{first}": "eight", "reason": "x"})
        )
        assert not_a_number.status_code == 422 and "Enter a score from 0 to 10" in not_a_number.text
        unchanged = await _form_post(client, path, adjust_form(card, reason="nothing moved"))
        assert unchanged.status_code == 422 and "The adjustment changes no score" in unchanged.text
        stale = await _form_post(
            client, path, adjust_form(card, version="7", **{f"score-{first}": "2", "reason": "x"})
        )
        assert stale.status_code == 409 and "Someone else reviewed this scorecard" in stale.text
        assert (await api_view(client, tenant, card))["review"] == {
            "status": "pending",
            "version": 0,
        }
        assert await reviews_of(client, tenant, card) == []

        adjusted = await _form_post(
            client,
            path,
            adjust_form(card, **{f"score-{first}": "2.0", "reason": "The design answer was vague"}),
        )
        assert adjusted.status_code == 303
        assert adjusted.headers["location"].endswith("notice=review_adjusted#scorecard")
        after = await api_view(client, tenant, card)
        assert after["review"] == {"status": "adjusted", "version": 1}
        assert after["score"] != card["score"]
        [entry] = await reviews_of(client, tenant, card)
        assert entry["reviewer"] == {"kind": "user", "id": entry["reviewer"]["id"], "label": email}
        assert entry["reason"] == "The design answer was vague"
        assert entry["after"]["dimensions"][first] == 2.0

        shown = await client.get(f"/dashboard/sessions/{card['id']}")
        assert "The AI's original scorecard" in shown.text
        assert f"data-ai-score>{card['score']}<" in shown.text
        assert 'data-review-version="1"' in shown.text and email in shown.text

        # confirming takes no scores and needs no reason
        confirmed = await _form_post(client, path, {"action": "confirm", "version": "1"})
        assert confirmed.status_code == 303
        assert (await api_view(client, tenant, card))["review"]["status"] == "confirmed"


async def test_another_workspace_cannot_see_or_review_a_scorecard(
    site: Site, database: Database
) -> None:
    owner, stranger = await make_tenant(database), await make_tenant(database)
    email = await add_user(database, stranger, "admin")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        card = await flagged_card(client, owner, database, site)
        assert (await _login(client, email, PASSWORD)).status_code == 303
        assert (await client.get(f"/dashboard/sessions/{card['id']}")).status_code == 404
        refused = await _form_post(
            client,
            f"/dashboard/sessions/{card['id']}/review",
            {"action": "confirm", "version": "0"},
        )
        assert refused.status_code == 404
        missing = await _form_post(
            client,
            f"/dashboard/sessions/{uuid.uuid4()}/review",
            {"action": "confirm", "version": "0"},
        )
        assert missing.status_code == 404
        assert (await api_view(client, owner, card))["review"]["status"] == "pending"


async def test_a_reviewer_adjusts_in_the_browser_and_a_second_tab_cannot_overwrite(
    site: Site, database: Database, context: BrowserContext
) -> None:
    tenant = await make_tenant(database)
    email = await add_user(database, tenant, "admin")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        card = await flagged_card(client, tenant, database, site)
    first = card["evaluation_breakdown"][0]
    url = f"{site.url}/dashboard/sessions/{card['id']}"
    tab = await context.new_page()
    await sign_in(tab, site, email)
    other_tab = await context.new_page()
    await tab.goto(url)
    await other_tab.goto(url)
    await expect(tab.locator("#review-state")).to_contain_text("Needs review")

    score = tab.get_by_label(f"{first['name']} (0-10)")
    await expect(score).to_have_value(f"{first['score']:.1f}")
    await score.fill("3.5")
    await tab.get_by_label("Reason").fill("Two answers were generic; no concrete numbers.")
    await tab.get_by_role("button", name="Save adjusted scores").click()
    await expect(tab.get_by_role("status")).to_contain_text("Scores adjusted")
    await expect(tab.locator(f'[data-dimension-score="{first["dimension_id"]}"]')).to_have_text(
        "3.5"
    )
    await expect(tab.locator("#review-state")).to_contain_text("Adjusted")
    await expect(tab.locator("#ai-original")).to_contain_text(card["score"])
    row = tab.locator('[data-review-version="1"]')
    await expect(row).to_contain_text(email)
    await expect(row).to_contain_text(f"{first['score']:.1f} → 3.5")
    await expect(row).to_contain_text("no concrete numbers")
    await shot(tab, "session-reviewed")

    # the second tab still holds version 0: its confirmation is refused, not applied
    await other_tab.get_by_label("Reason").fill("Looks right to me")
    await other_tab.get_by_role("button", name="Confirm scorecard as it is").click()
    await expect(other_tab.get_by_role("alert")).to_contain_text("Someone else reviewed")
    await expect(other_tab.locator("#review-state")).to_contain_text("Adjusted")
    await expect(other_tab.get_by_label("Reason")).to_have_value("Looks right to me")
    await expect(other_tab.locator('input[name="version"]')).to_have_value("1")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        assert (await api_view(client, tenant, card))["review"] == {
            "status": "adjusted",
            "version": 1,
        }
