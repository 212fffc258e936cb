"""CSRF sweep of the dashboard, generated from the app's routes: every POST route under the
dashboard prefix, signed in as an admin, is refused (403) without a CSRF token, with a wrong
one, and with the right one from a foreign Origin — and nothing in the workspace changes (nor
does the sign-in). A form added to the dashboard is swept without touching this file.

Path parameters are filled with real ids of the workspace where the parameter names a known
kind (`session_id`, `template_id`, ...), so a forged request aims at something that exists;
other parameters get a made-up value. A control then posts each form with the right token and
Origin and checks it is not refused, so the sweep cannot pass by refusing everything."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import text
from tests.conftest import Tenant, make_tenant
from tests.emails.smtp import SmtpServer
from tests.fixtures.world import build_world, created, session_body
from tests.web.conftest import Site, csrf_token_in, running_site, unique_email
from tests.web.test_dashboard import PASSWORD, _login, add_user

from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.web.dashboard.common import PREFIX

# A path parameter named like this points at a row of that table.
ID_TABLES = {
    "session_id": "sessions",
    "template_id": "evaluation_templates",
    "profile_id": "agent_profiles",
    "key_id": "api_keys",
    "endpoint_id": "webhook_endpoints",
    "delivery_id": "webhook_deliveries",
    "application_id": "applications",
    "participant_id": "participants",
    "stage_id": "evaluation_stages",
}
PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
FOREIGN = "https://evil.example"


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


def dashboard_posts(settings: Settings) -> list[str]:
    app = create_app(settings, with_worker=False, bootstrap=False)
    paths = {
        str(route.path)
        for route in iter_route_contexts(app.routes)  # through included routers too
        if "POST" in (getattr(route, "methods", None) or ())
        and route.path is not None
        and (route.path == PREFIX or route.path.startswith(f"{PREFIX}/"))
    }
    # sign-out last: the control posts each form for real
    return sorted(paths, key=lambda path: (path.endswith("/logout"), path))


async def _table_exists(database: Database, table: str) -> bool:
    async with unit_of_work(database.sessionmaker) as db:
        found = await db.execute(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": table})
        return bool(found.scalar_one())


async def concrete(database: Database, tenant: Tenant, path: str) -> str:
    """The route's path with its parameters filled in."""
    filled = path
    for name in PARAM.findall(path):
        value = "approve" if not name.endswith("_id") else str(uuid.uuid4())
        table = ID_TABLES.get(name)
        if table is not None and await _table_exists(database, table):
            async with unit_of_work(database.sessionmaker) as db:
                row = await db.execute(
                    text(f"SELECT id FROM {table} WHERE workspace_id = :ws LIMIT 1"),
                    {"ws": tenant.id},
                )
                found = row.scalar_one_or_none()
            if found is not None:
                value = str(found)
        filled = re.sub(r"\{" + re.escape(name) + r"(?::[^}]+)?\}", value, filled)
    return filled


async def workspace_digest(database: Database, tenant: Tenant) -> dict[str, str]:
    """A digest of every row of the workspace, table by table."""
    async with unit_of_work(database.sessionmaker) as db:
        tables = (
            await db.execute(
                text(
                    "SELECT table_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND column_name = 'workspace_id'"
                )
            )
        ).scalars()
        digest = {}
        for table in sorted(tables):
            row = await db.execute(
                text(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    f" FROM {table} t WHERE workspace_id = :ws"
                ),
                {"ws": tenant.id},
            )
            count, md5 = row.one()
            digest[table] = f"{count}:{md5}"
    return digest


def plausible_form(token: str | None) -> dict[str, str]:
    """Fields most dashboard forms take, so a post that got through would change something."""
    form = {
        "name": "Forged by the sweep",
        "email": unique_email("forged"),
        "template_name": "Forged template",
        "url": "https://hooks.example/forged",
        "enabled": "false",
        "reason": "forged",
        "password": PASSWORD,
        "stage": "screen",
    }
    if token is not None:
        form["csrf_token"] = token
    return form


async def test_every_dashboard_post_refuses_a_forged_request(
    site: Site, settings: Settings, database: Database, api: httpx.AsyncClient
) -> None:
    tenant = await make_tenant(database)
    email = await add_user(database, tenant, "admin")
    world = await build_world(api, tenant.headers, email=unique_email("sweep"))
    await created(
        await api.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    posts = dashboard_posts(settings)
    assert len(posts) >= 15, posts  # the sweep really found the dashboard's forms

    async with httpx.AsyncClient(base_url=site.url, timeout=15) as client:
        assert (await _login(client, email, PASSWORD)).status_code == 303
        token = csrf_token_in((await client.get(PREFIX)).text)
        own = {"Origin": site.url}
        targets = [await concrete(database, tenant, path) for path in posts]
        before = await workspace_digest(database, tenant)

        for target in targets:
            attempts = {
                "no token": (plausible_form(None), own),
                "wrong token": (plausible_form(token[:-4] + "0000"), own),
                "foreign Origin": (plausible_form(token), {"Origin": FOREIGN}),
                "cross-site fetch": (plausible_form(token), {"Sec-Fetch-Site": "cross-site"}),
            }
            for attempt, (form, headers) in attempts.items():
                response = await client.post(target, data=form, headers=headers)
                assert response.status_code == 403, (target, attempt, response.status_code)
        assert await workspace_digest(database, tenant) == before
        still = await client.get(PREFIX)
        assert still.status_code == 200, "a forged sign-out must not sign the admin out"

        # The control: with the right token and Origin no form is refused for CSRF.
        for target in targets:
            response = await client.post(target, data=plausible_form(token), headers=own)
            assert response.status_code != 403, (target, response.text[:300])
