"""The template page's Embedding card (docs/embed.md §1): the origins whose pages may frame
the template's interviews, edited in the dashboard and validated exactly as the API does
(canonical form, no path or wildcard, at most 20); a refused list says which line is wrong
and changes nothing; the form needs its CSRF token; another workspace's template is 404."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Page, expect
from tests.conftest import make_tenant
from tests.emails.smtp import SmtpServer
from tests.fixtures.world import build_world, created
from tests.web.conftest import Site, running_site, unique_email
from tests.web.test_dashboard import PASSWORD, _form_post, _login, add_user, sign_in

from vivavoce.config import Settings
from vivavoce.runtime import Database


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


async def origins_of(client: httpx.AsyncClient, headers: dict[str, str], template: str) -> object:
    shown = await client.get(f"/api/v1/evaluation-templates/{template}", headers=headers)
    return shown.json()["data"]["embed_origins"]


async def test_origins_are_saved_canonical_and_a_bad_one_changes_nothing(
    site: Site, database: Database
) -> None:
    tenant = await make_tenant(database)
    email = await add_user(database, tenant, "member")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await build_world(client, tenant.headers, stages=("screen",), email=unique_email())
        assert (await _login(client, email, PASSWORD)).status_code == 303
        path = f"/dashboard/templates/{world.template_id}/embed"
        typed = "HTTPS://Jobs.Example.com:443/\nhttp://localhost:3000\n\nhttps://jobs.example.com"
        saved = await _form_post(client, path, {"embed_origins": typed})
        assert saved.status_code == 303
        assert saved.headers["location"].endswith("notice=embed_origins_saved#embedding")
        expected = ["https://jobs.example.com", "http://localhost:3000"]
        assert await origins_of(client, tenant.headers, world.template_id) == expected
        shown = await client.get(saved.headers["location"])
        assert "Embedding origins saved." in shown.text
        assert "https://jobs.example.com\nhttp://localhost:3000</textarea>" in shown.text

        for bad, why in (
            ("https://ok.example.com\nhttps://*.example.com", "“https://*.example.com”: must be"),
            ("https://ok.example.com/careers", "“https://ok.example.com/careers”: must be"),
            (
                "https://ok.example.com:70000",
                "“https://ok.example.com:70000”: the port must be 1-65535",
            ),
            ("\n".join(f"https://h{n}.example.com" for n in range(21)), "At most 20 origins."),
        ):
            refused = await _form_post(client, path, {"embed_origins": bad})
            assert refused.status_code == 422, bad
            assert why in refused.text and "Nothing was saved." in refused.text, bad
            assert 'id="f-embed_origins" name="embed_origins" rows="3" aria-invalid="true"' in (
                refused.text
            )
            assert await origins_of(client, tenant.headers, world.template_id) == expected

        emptied = await _form_post(client, path, {"embed_origins": "  \n "})
        assert emptied.status_code == 303
        assert await origins_of(client, tenant.headers, world.template_id) == []
        session = await created(
            await client.post(
                "/api/v1/sessions",
                json={
                    "candidate_id": world.participant_id,
                    "evaluation_template_id": world.template_id,
                    "stage": "screen",
                },
                headers=tenant.headers,
            )
        )
        off = await client.post(
            f"/api/v1/sessions/{session['id']}/embed-token", json={}, headers=tenant.headers
        )
        assert off.status_code == 409 and off.json()["code"] == "embedding_not_allowed"


async def test_the_form_needs_its_token_and_stays_in_its_workspace(
    site: Site, database: Database
) -> None:
    tenant, other = await make_tenant(database), await make_tenant(database)
    email = await add_user(database, tenant, "admin")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await build_world(client, tenant.headers, stages=("screen",), email=unique_email())
        theirs = await build_world(client, other.headers, stages=("screen",), email=unique_email())
        assert (await _login(client, email, PASSWORD)).status_code == 303
        forged = await client.post(
            f"/dashboard/templates/{world.template_id}/embed",
            data={"embed_origins": "https://evil.example.com"},
            headers={"Origin": site.url},
        )
        assert forged.status_code == 403
        foreign = await _form_post(
            client,
            f"/dashboard/templates/{theirs.template_id}/embed",
            {"embed_origins": "https://evil.example.com"},
        )
        assert foreign.status_code == 404
        foreign_bad = await _form_post(
            client, f"/dashboard/templates/{theirs.template_id}/embed", {"embed_origins": "x"}
        )
        assert foreign_bad.status_code == 404
        assert await origins_of(client, tenant.headers, world.template_id) == []
        assert await origins_of(client, other.headers, theirs.template_id) == []


async def test_editing_the_origins_in_the_browser(
    site: Site, database: Database, page: Page
) -> None:
    tenant = await make_tenant(database)
    email = await add_user(database, tenant, "admin")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        world = await build_world(client, tenant.headers, stages=("screen",), email=unique_email())
    await sign_in(page, site, email)
    await page.goto(f"{site.url}/dashboard/templates/{world.template_id}")
    field = page.get_by_label("Allowed origins")
    save = page.get_by_role("button", name="Save embedding origins")
    await field.fill("https://jobs.example.com/apply")
    await save.click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "“https://jobs.example.com/apply”: must be an origin"
    )
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(field).to_have_value("https://jobs.example.com/apply")
    await field.fill("https://Jobs.Example.com/")
    await save.click()
    await expect(page.get_by_text("Embedding origins saved.")).to_be_visible()
    await expect(page.get_by_label("Allowed origins")).to_have_value("https://jobs.example.com")
