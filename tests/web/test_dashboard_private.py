"""`private` templates are seen only by their creator (a dashboard user, or the keys that
user created; keys made without a user act as the workspace's integration), on every read
path: template list and page, edit, compare, stages, sessions by template and session pages,
scheduling; and the workspace slug an admin sets in the dashboard settings."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from tests.conftest import Tenant, make_tenant
from tests.emails.smtp import SmtpServer
from tests.fixtures.payloads import agent_profile
from tests.fixtures.world import add_participant, created
from tests.web.conftest import Site, running_site
from tests.web.test_dashboard import PASSWORD, _form_post, _login, add_user

from vivavoce.config import Settings
from vivavoce.runtime import Database


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


TEMPLATE_FORM = {
    "use_case": "hiring",
    "default_duration_minutes": "30",
    "default_difficulty": "intermediate",
    "language": "en",
}


async def dashboard_template(client: httpx.AsyncClient, name: str, visibility: str) -> str:
    made = await _form_post(
        client,
        "/dashboard/templates/new",
        {**TEMPLATE_FORM, "template_name": name, "visibility": visibility},
    )
    assert made.status_code == 303, made.text
    found = re.search(r"/dashboard/templates/([0-9a-f-]{36})", made.headers["location"])
    assert found
    return found.group(1)


async def dashboard_key(client: httpx.AsyncClient) -> dict[str, str]:
    page = await _form_post(client, "/dashboard/developer/keys", {"name": "my ATS"})
    secret = re.search(r'id="new-secret" type="text" readonly value="([^"]+)"', page.text)
    assert page.status_code == 200 and secret, page.text
    return {"x-api-key": secret.group(1)}


async def session_on(
    client: httpx.AsyncClient, headers: dict[str, str], template_id: str
) -> dict[str, Any]:
    profile = await created(
        await client.post("/api/v1/agent-profiles", json=agent_profile(), headers=headers)
    )
    stage = {
        "evaluation_template_id": template_id,
        "type": "screen",
        "agent_profile_id": profile["id"],
    }
    await created(await client.post("/api/v1/evaluation-stages", json=stage, headers=headers))
    person = await add_participant(client, headers, template_id, f"p-{uuid.uuid4().hex[:8]}@x.org")
    body = {"candidate_id": person, "evaluation_template_id": template_id, "stage": "screen"}
    return await created(await client.post("/api/v1/sessions", json=body, headers=headers))


def ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["data"]}


async def test_private_templates_are_seen_only_by_their_creator(
    site: Site, database: Database
) -> None:
    tenant = await make_tenant(database)  # its key was made without a user (as by the CLI)
    owner = await add_user(database, tenant, "admin")
    colleague = await add_user(database, tenant, "member")
    api = tenant.headers
    async with (
        httpx.AsyncClient(base_url=site.url, timeout=10) as mine,
        httpx.AsyncClient(base_url=site.url, timeout=10) as theirs,
    ):
        assert (await _login(mine, owner, PASSWORD)).status_code == 303
        assert (await _login(theirs, colleague, PASSWORD)).status_code == 303
        private = await dashboard_template(mine, "Secret search", "private")
        team = await dashboard_template(theirs, "Open role", "team")
        my_key = await dashboard_key(mine)
        keys_page = (await mine.get("/dashboard/developer/keys")).text
        assert f"by {owner}" in keys_page and "without a user" in keys_page
        session = await session_on(mine, my_key, private)

        # the creator, in the dashboard and through a key they made
        assert "Secret search" in (await mine.get("/dashboard/templates")).text
        for path in ("", "/edit", "/compare"):
            assert (await mine.get(f"/dashboard/templates/{private}{path}")).status_code == 200
        assert (await mine.get(f"/dashboard/sessions/{session['id']}")).status_code == 200
        templates = await mine.get("/api/v1/evaluation-templates", headers=my_key)
        assert {private, team} <= ids(templates)

        # a colleague of the same workspace: as if it did not exist
        assert "Secret search" not in (await theirs.get("/dashboard/templates")).text
        for path in ("", "/edit", "/compare"):
            assert (await theirs.get(f"/dashboard/templates/{private}{path}")).status_code == 404
        edit = await _form_post(
            theirs,
            f"/dashboard/templates/{private}/edit",
            {**TEMPLATE_FORM, "template_name": "Taken over", "visibility": "team"},
        )
        assert edit.status_code == 404
        assert (await theirs.get(f"/dashboard/sessions/{session['id']}")).status_code == 404
        review = await _form_post(
            theirs, f"/dashboard/sessions/{session['id']}/review", {"action": "confirm"}
        )
        assert review.status_code == 404
        assert (await theirs.get(f"/dashboard/sessions?template={private}")).status_code == 404
        assert session["id"] not in (await theirs.get("/dashboard/sessions")).text
        assert session["id"] not in (await theirs.get("/dashboard")).text
        assert "Secret search" not in (await theirs.get("/dashboard/participants")).text
        assert session["id"] in (await mine.get("/dashboard")).text
        assert "Secret search" in (await mine.get("/dashboard/participants")).text
        assert "Open role" in (await theirs.get("/dashboard/templates")).text

        # the workspace's userless key: not the creator either
        base = f"/api/v1/evaluation-templates/{private}"
        assert (await mine.get(base, headers=api)).status_code == 404
        assert private not in ids(await mine.get("/api/v1/evaluation-templates", headers=api))
        patched = await mine.patch(base, json={"visibility": "team"}, headers=api)
        assert patched.status_code == 404
        stages = await mine.get("/api/v1/evaluation-stages", headers=api)
        assert all(s["evaluation_template_id"] != private for s in stages.json()["data"])
        [stage] = (await mine.get(base, headers=my_key)).json()["data"]["stages"]
        hidden_stage = await mine.get(f"/api/v1/evaluation-stages/{stage['id']}", headers=api)
        assert hidden_stage.status_code == 404
        by_template = await mine.get(
            "/api/v1/sessions", params={"evaluation_template_id": private}, headers=api
        )
        assert by_template.status_code == 404
        assert session["id"] not in ids(await mine.get("/api/v1/sessions", headers=api))
        one_session = f"/api/v1/sessions/{session['id']}"
        assert (await mine.get(one_session, headers=api)).status_code == 404
        assert (await mine.get(one_session, headers=my_key)).status_code == 200
        reviews = await mine.get(f"{one_session}/scorecard/reviews", headers=api)
        assert reviews.status_code == 404
        api_review = await mine.post(
            f"{one_session}/scorecard/review", json={"action": "confirm", "version": 0}, headers=api
        )
        assert api_review.status_code == 404
        scheduled = await mine.post(
            "/api/v1/sessions",
            json={
                "candidate_id": session["candidate_id"],
                "evaluation_template_id": private,
                "stage": "screen",
            },
            headers=api,
        )
        assert scheduled.status_code == 404
        assert (await mine.get(f"{base}/comparison", headers=api)).status_code == 404
        fork = await mine.post(
            "/api/v1/evaluation-templates",
            params={"action": "fork"},
            json={"sourceId": private},
            headers=api,
        )
        assert fork.status_code == 404

        # a private template the userless key creates is its own, and no dashboard user's
        made = await created(
            await mine.post(
                "/api/v1/evaluation-templates",
                json={
                    "template_name": "Integration only",
                    "use_case": "hiring",
                    "visibility": "private",
                },
                headers=api,
            )
        )
        assert (
            await mine.get(f"/api/v1/evaluation-templates/{made['id']}", headers=api)
        ).status_code == 200
        assert (await mine.get(f"/dashboard/templates/{made['id']}")).status_code == 404
        mine_via_key = await mine.get(f"/api/v1/evaluation-templates/{made['id']}", headers=my_key)
        assert mine_via_key.status_code == 404

        # making it `team` shares it with everyone again
        assert (
            await mine.patch(base, json={"visibility": "team"}, headers=my_key)
        ).status_code == 200
        assert (await theirs.get(f"/dashboard/templates/{private}")).status_code == 200
        assert (await mine.get(base, headers=api)).status_code == 200


async def test_an_admin_sets_the_workspace_slug_in_the_settings(
    site: Site, database: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = await add_user(database, tenant, "admin")
    member = await add_user(database, tenant, "member")
    new_slug = f"Acme_HR.{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        assert (await _login(client, admin, PASSWORD)).status_code == 303
        page = await client.get("/dashboard/settings")
        assert page.status_code == 200 and f'id="current-slug">{tenant.slug}<' in page.text

        bad = await _form_post(client, "/dashboard/settings", {"slug": "-bad-", "name": "Acme"})
        assert bad.status_code == 422 and "starting and ending alphanumeric" in bad.text
        taken = await _form_post(
            client, "/dashboard/settings", {"slug": other_tenant.slug, "name": "Acme"}
        )
        assert taken.status_code == 409 and "Another workspace already uses" in taken.text
        forged = await client.post(
            "/dashboard/settings",
            data={"slug": "forged", "name": "x"},
            headers={"Origin": site.url},
        )
        assert forged.status_code == 403
        still = await client.get(
            "/api/v1/evaluation-templates",
            params={"accountSlug": tenant.slug},
            headers=tenant.headers,
        )
        assert still.status_code == 200

        saved = await _form_post(client, "/dashboard/settings", {"slug": new_slug, "name": "Acme"})
        assert saved.status_code == 303
        assert (
            f'id="current-slug">{new_slug}<' in (await client.get(saved.headers["location"])).text
        )
        for slug, status in ((new_slug, 200), (tenant.slug, 403)):
            answer = await client.get(
                "/api/v1/evaluation-templates", params={"accountSlug": slug}, headers=tenant.headers
            )
            assert answer.status_code == status, answer.text

    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        assert (await _login(client, member, PASSWORD)).status_code == 303
        assert (await client.get("/dashboard/settings")).status_code == 403
        refused = await _form_post(client, "/dashboard/settings", {"slug": "mine", "name": "x"})
        assert refused.status_code == 403
        assert "/dashboard/settings" not in (await client.get("/dashboard")).text
