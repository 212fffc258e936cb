"""Comparing a template's candidates and shortlisting them: the page in Chromium (sorting by
columns, adding to and removing from the shortlist, the shortlist filter), and over plain
HTTP the shortlist API (idempotent, isolated, scoped), the CSRF check and bad sort keys."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, expect
from tests.conftest import Tenant, make_tenant
from tests.emails.smtp import SmtpServer
from tests.fixtures.world import add_participant
from tests.scoring.pipeline import interview, pipeline, scored
from tests.scoring.samples import BUZZWORDS, EXPERT, EXPERT_EXPLAINS, EXPERT_FAILURES, PADDED
from tests.web.conftest import Site, running_site
from tests.web.test_dashboard import PASSWORD, _form_post, _login, add_user, shot, sign_in

from vivavoce.config import Settings
from vivavoce.runtime import Database

# (name, answers): three candidates the offline scorer tells apart
CANDIDATES = (
    ("Ada Lovelace", (EXPERT, EXPERT_FAILURES, EXPERT_EXPLAINS)),
    ("Charles Babbage", (PADDED, BUZZWORDS)),
    ("Betty Holberton", (EXPERT, BUZZWORDS)),
)


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


async def scored_template(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, site: Site
) -> dict[str, Any]:
    """A one-stage template whose three candidates each hold a scorecard."""
    world = await pipeline(client, tenant, ("none",), email=f"first-{uuid.uuid4().hex[:6]}@x.org")
    cards = []
    for name, answers in CANDIDATES:
        email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.com"
        person = await add_participant(
            client, tenant.headers, world["template_id"], email, name=name
        )
        body = {
            "candidate_id": person,
            "evaluation_template_id": world["template_id"],
            "stage": "s0",
        }
        response = await client.post("/api/v1/sessions", json=body, headers=tenant.headers)
        assert response.status_code == 201, response.text
        session_id = await interview(
            database, site.settings, tenant, response.json()["data"], answers
        )
        cards.append({"name": name, "email": email, **await scored(client, tenant, session_id)})
    return {**world, "cards": cards}


def ordered(cards: list[dict[str, Any]], value: Any) -> list[str]:
    """Emails by `value` highest first, equal values in name order (the page's rule)."""
    by_name = sorted(cards, key=lambda c: c["name"])
    return [c["email"] for c in sorted(by_name, key=value, reverse=True)]


def dimension_score(dimension_id: str) -> Any:
    def score(card: dict[str, Any]) -> float:
        item = next(d for d in card["evaluation_breakdown"] if d["dimension_id"] == dimension_id)
        return float(item["score"])

    return score


async def test_the_compare_page_sorts_and_keeps_a_shortlist(
    site: Site, database: Database, context: BrowserContext
) -> None:
    tenant = await make_tenant(database)
    email = await add_user(database, tenant, "member")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await scored_template(client, tenant, database, site)
    cards = world["cards"]
    by_score = ordered(cards, lambda c: float(c["score"]))
    by_name = [c["email"] for c in sorted(cards, key=lambda c: c["name"])]
    page = await context.new_page()
    await sign_in(page, site, email)
    await page.goto(f"{site.url}/dashboard/templates/{world['template_id']}")
    await page.get_by_role("link", name="Compare candidates").click()
    await expect(page.get_by_role("heading", name="Compare candidates")).to_be_visible()
    rows = page.locator("#compare tbody tr")
    await expect(rows).to_have_count(3)
    assert await rows.evaluate_all("rs => rs.map(r => r.dataset.candidate)") == by_score
    await expect(page.locator('th[aria-sort="descending"]')).to_have_text("Score")
    await expect(rows.first.locator('[data-col="review"]')).not_to_be_empty()
    await expect(rows.first.locator('[data-col="confidence"]')).to_have_text(
        re.compile("low|medium|high")
    )

    await page.locator('a[data-sort="name"]').click()
    await expect(page.locator('th[aria-sort="ascending"]')).to_have_text("Candidate")
    assert await rows.evaluate_all("rs => rs.map(r => r.dataset.candidate)") == by_name
    await page.locator('a[data-sort="name"]').click()
    await expect(page.locator('th[aria-sort="descending"]')).to_have_text("Candidate")
    assert await rows.evaluate_all("rs => rs.map(r => r.dataset.candidate)") == by_name[::-1]

    dimension = cards[0]["evaluation_breakdown"][-1]
    await page.locator(f'a[data-sort="dim:{dimension["dimension_id"]}"]').click()
    await expect(page.locator('th[aria-sort="descending"]')).to_have_text(dimension["name"])
    expected = ordered(cards, dimension_score(dimension["dimension_id"]))
    assert await rows.evaluate_all("rs => rs.map(r => r.dataset.candidate)") == expected

    chosen = cards[1]
    row = page.locator(f'tr[data-candidate="{chosen["email"]}"]')
    await row.get_by_role("button", name="Add to shortlist").click()
    await expect(page.get_by_role("status")).to_contain_text("Added to the shortlist")
    await expect(row).to_contain_text(f"by {email}")
    # the sort survived the round trip
    await expect(page.locator('th[aria-sort="descending"]')).to_have_text(dimension["name"])
    await page.get_by_role("link", name="shortlist only").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-candidate", chosen["email"])
    await shot(page, "compare-shortlist")
    await rows.first.get_by_role("button", name="Remove from shortlist").click()
    await expect(page.get_by_role("status")).to_contain_text("Taken off the shortlist")
    await expect(page.get_by_text("Nobody on the shortlist for this stage")).to_be_visible()


async def test_the_shortlist_api_is_idempotent_isolated_and_scoped(
    site: Site, database: Database
) -> None:
    tenant, stranger = await make_tenant(database), await make_tenant(database)
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await scored_template(client, tenant, database, site)
        base = f"/api/v1/evaluation-templates/{world['template_id']}"
        candidate = world["cards"][0]["candidate_id"]

        first = await client.put(f"{base}/shortlist/{candidate}", headers=tenant.headers)
        assert first.status_code == 200, first.text
        assert first.json()["success"] is True
        entry = first.json()["data"]
        assert entry["candidate_id"] == candidate and entry["added_by"]["kind"] == "api_key"
        again = await client.put(f"{base}/shortlist/{candidate}", headers=tenant.headers)
        assert again.json()["data"] == entry  # the first entry stands: who and when kept
        listed = await client.get(f"{base}/shortlist", headers=tenant.headers)
        assert listed.json() == {"data": [entry]}

        table = (await client.get(f"{base}/comparison", headers=tenant.headers)).json()["data"]
        assert table["stage"] == "s0" and len(table["rows"]) == 3
        scores = [float(r["score"]) for r in table["rows"]]
        assert scores == sorted(scores, reverse=True)
        assert {d["id"] for d in table["dimensions"]} == {
            d["dimension_id"] for d in world["cards"][0]["evaluation_breakdown"]
        }
        only = await client.get(
            f"{base}/comparison", params={"shortlisted": "true"}, headers=tenant.headers
        )
        assert [r["candidate"]["id"] for r in only.json()["data"]["rows"]] == [candidate]
        bad_sort = await client.get(
            f"{base}/comparison", params={"sort": "salary"}, headers=tenant.headers
        )
        assert bad_sort.status_code == 422 and "cannot sort by `salary`" in bad_sort.text
        bad_stage = await client.get(
            f"{base}/comparison", params={"stage": "final"}, headers=tenant.headers
        )
        assert bad_stage.status_code == 422 and "no stage `final`" in bad_stage.text
        unknown_param = await client.get(
            f"{base}/comparison", params={"page": "2"}, headers=tenant.headers
        )
        assert unknown_param.status_code == 422

        # another workspace: the template and the candidate do not exist for it
        assert (await client.get(f"{base}/shortlist", headers=stranger.headers)).status_code == 404
        foreign = await client.put(f"{base}/shortlist/{candidate}", headers=stranger.headers)
        assert foreign.status_code == 404
        own = await pipeline(client, stranger, ("none",), email="own@example.com")
        theirs = await client.put(
            f"/api/v1/evaluation-templates/{own['template_id']}/shortlist/{candidate}",
            headers=stranger.headers,
        )
        assert theirs.status_code == 404
        # a participant of this workspace with nothing in this template
        elsewhere = await pipeline(client, tenant, ("none",), email="elsewhere@example.com")
        outsider = await client.put(
            f"{base}/shortlist/{elsewhere['participant_id']}", headers=tenant.headers
        )
        assert outsider.status_code == 422 and "not_in_template" in outsider.text

        reader = await tenant.key_with("interviews.read")
        assert (await client.get(f"{base}/shortlist", headers=reader)).status_code == 200
        refused = await client.delete(f"{base}/shortlist/{candidate}", headers=reader)
        assert refused.status_code == 403

        removed = await client.delete(f"{base}/shortlist/{candidate}", headers=tenant.headers)
        assert removed.json() == {
            "success": True,
            "data": {"candidate_id": candidate, "removed": True},
        }
        twice = await client.delete(f"{base}/shortlist/{candidate}", headers=tenant.headers)
        assert twice.json()["data"]["removed"] is False
        assert (await client.get(f"{base}/shortlist", headers=tenant.headers)).json() == {
            "data": []
        }


async def test_shortlist_forms_need_their_token_and_stay_in_their_workspace(
    site: Site, database: Database
) -> None:
    tenant, stranger = await make_tenant(database), await make_tenant(database)
    email = await add_user(database, stranger, "admin")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await pipeline(client, tenant, ("none",), email="solo@example.com")
        path = f"/dashboard/templates/{world['template_id']}"
        candidate = world["participant_id"]
        assert (await _login(client, email, PASSWORD)).status_code == 303
        assert (await client.get(f"{path}/compare")).status_code == 404
        refused = await _form_post(client, f"{path}/shortlist/{candidate}/add")
        assert refused.status_code == 404
        forged = await client.post(
            f"{path}/shortlist/{candidate}/add", data={}, headers={"Origin": site.url}
        )
        assert forged.status_code == 403
        listed = await client.get(
            f"/api/v1/evaluation-templates/{world['template_id']}/shortlist",
            headers=tenant.headers,
        )
        assert listed.json() == {"data": []}
        mine = await pipeline(client, stranger, ("none",), email="mine@example.com")
        bad_sort = await client.get(f"/dashboard/templates/{mine['template_id']}/compare?sort=x")
        assert bad_sort.status_code == 422 and "cannot sort by" in bad_sort.text
        empty = await client.get(f"/dashboard/templates/{mine['template_id']}/compare")
        assert empty.status_code == 200 and "No scorecards for this stage yet" in empty.text


async def test_two_reviewers_shortlisting_at_once_leave_one_entry(
    site: Site, database: Database
) -> None:
    tenant = await make_tenant(database)
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await pipeline(client, tenant, ("none",), email="both@example.com")
        url = (
            f"/api/v1/evaluation-templates/{world['template_id']}"
            f"/shortlist/{world['participant_id']}"
        )
        other_key = await tenant.key_with("interviews.write")
        answers = await asyncio.gather(
            *(client.put(url, headers=h) for h in (tenant.headers, other_key) * 4)
        )
        assert [a.status_code for a in answers] == [200] * 8
        entries = [a.json()["data"] for a in answers]
        assert all(e == entries[0] for e in entries)  # one entry stands, its first author's
        listed = await client.get(
            f"/api/v1/evaluation-templates/{world['template_id']}/shortlist",
            headers=tenant.headers,
        )
        assert listed.json() == {"data": [entries[0]]}
