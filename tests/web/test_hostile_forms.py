"""A NUL character in a dashboard form is a clear 422 and changes nothing (PostgreSQL cannot
store one in text; it used to surface as a 500)."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import text
from tests.conftest import Tenant
from tests.web.conftest import Site
from tests.web.test_dashboard import PASSWORD, _login, add_user

from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database


async def _csrf(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    return token.group(1)


async def test_a_nul_character_in_the_sign_in_email_is_a_clear_error(site: Site) -> None:
    async with httpx.AsyncClient(base_url=site.url) as client:
        token = await _csrf(client, "/dashboard/login")
        response = await client.post(
            "/dashboard/login",
            data={"email": "a\x00@example.com", "password": "x", "csrf_token": token},
            headers={"Origin": site.url},
        )
    assert response.status_code == 422
    assert "NUL character" in response.text


async def test_a_nul_character_in_a_key_name_or_user_email_changes_nothing(
    site: Site, tenant: Tenant, database: Database
) -> None:
    email = await add_user(database, tenant, "admin")
    async with httpx.AsyncClient(base_url=site.url) as client:
        assert (await _login(client, email, PASSWORD)).status_code == 303
        for path, field, page in (
            ("/dashboard/developer/keys", "name", "/dashboard/developer/keys"),
            ("/dashboard/users", "email", "/dashboard/users"),
        ):
            token = await _csrf(client, page)
            response = await client.post(
                path,
                data={field: "bad\x00value", "role": "member", "csrf_token": token},
                headers={"Origin": site.url},
            )
            assert response.status_code == 422, (path, response.status_code, response.text)
            assert "NUL character" in response.text
    async with unit_of_work(database.sessionmaker) as db:
        keys = await db.scalar(
            text("SELECT count(*) FROM api_keys WHERE workspace_id = :w AND name LIKE 'bad%'"),
            {"w": tenant.id},
        )
        users = await db.scalar(
            text("SELECT count(*) FROM users WHERE workspace_id = :w AND email LIKE 'bad%'"),
            {"w": tenant.id},
        )
    assert keys == 0 and users == 0
