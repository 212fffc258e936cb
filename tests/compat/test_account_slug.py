"""Item 2: a workspace's slug is settable, so an Intervyo `accountSlug` keeps passing."""

from __future__ import annotations

import asyncio
import secrets
import time

import httpx

from tests.compat.intervyo import API, ERROR, assert_shape, ok
from tests.conftest import Tenant
from tests.test_cli import run_cli
from vivavoce.runtime import Database


async def test_setting_the_slug_makes_the_intervyo_account_slug_pass(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = "acme-hr-" + secrets.token_hex(3)
    before = await client.get(f"{API}/sessions?accountSlug={team}", headers=tenant.headers)
    assert before.status_code == 403
    assert before.json()["code"] == "account_mismatch"

    renamed = await ok(
        await client.patch(f"{API}/workspace", json={"slug": team}, headers=tenant.headers)
    )
    assert renamed["success"] is True
    assert renamed["data"]["slug"] == team

    # A key remembered with the old slug is forgotten when the rename's notification arrives
    # (milliseconds; a loaded machine gets five seconds).
    deadline = time.monotonic() + 5
    while (
        await client.get(f"{API}/sessions?accountSlug={team}", headers=tenant.headers)
    ).status_code != 200:
        assert time.monotonic() < deadline, "the new slug was not accepted"
        await asyncio.sleep(0.02)
    in_body = await client.post(
        f"{API}/participants",
        json={"name": "Ada", "email": "ada@example.com", "accountSlug": team},
        headers=tenant.headers,
    )
    assert in_body.status_code == 201, in_body.text
    old = await client.get(f"{API}/sessions?accountSlug={tenant.slug}", headers=tenant.headers)
    assert old.status_code == 403


async def test_only_keys_with_workspace_admin_may_change_the_slug(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    reader = await tenant.key_with("interviews.read", "interviews.write")
    refused = await client.patch(f"{API}/workspace", json={"slug": "mine"}, headers=reader)
    assert refused.status_code == 403
    assert_shape(refused.json(), ERROR)
    current = await ok(await client.get(f"{API}/workspace", headers=tenant.headers))
    assert current["data"]["slug"] == tenant.slug


async def test_a_taken_or_malformed_slug_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    taken = await client.patch(
        f"{API}/workspace", json={"slug": other_tenant.slug}, headers=tenant.headers
    )
    assert taken.status_code == 409
    bad = await client.patch(f"{API}/workspace", json={"slug": "no spaces"}, headers=tenant.headers)
    assert bad.status_code == 422
    current = await ok(await client.get(f"{API}/workspace", headers=tenant.headers))
    assert current["data"]["slug"] == tenant.slug


async def test_cli_creates_lists_and_renames_workspaces(
    database: Database, client: httpx.AsyncClient
) -> None:
    slug = "globex-" + secrets.token_hex(3)
    code, out, err = await run_cli(
        database.url, "workspaces", "create", "--slug", slug, "--name", "Globex"
    )
    assert code == 0, err
    code, out, err = await run_cli(database.url, "workspaces", "list")
    assert code == 0, err
    assert any(line.split()[1:3] == [slug, "Globex"] for line in out.splitlines())

    code, out, err = await run_cli(
        database.url, "keys", "create", "--name", "ats", "--workspace", slug
    )
    assert code == 0, err
    key = {"x-api-key": out.strip().splitlines()[-1]}
    assert (await client.get(f"{API}/sessions?accountSlug={slug}", headers=key)).status_code == 200
    team = slug + "-team"
    code, out, err = await run_cli(database.url, "workspaces", "rename", slug, "--slug", team)
    assert code == 0, err
    # The API process remembers the key with the old slug; the rename's notification makes
    # it forget (within milliseconds; a loaded machine gets five seconds).
    deadline = time.monotonic() + 5
    while (await client.get(f"{API}/sessions?accountSlug={team}", headers=key)).status_code != 200:
        assert time.monotonic() < deadline, "the new slug was not accepted"
        await asyncio.sleep(0.02)
    assert (await client.get(f"{API}/sessions?accountSlug={slug}", headers=key)).status_code == 403

    code, _, err = await run_cli(database.url, "workspaces", "create", "--slug", team)
    assert code == 1
    assert "already exists" in err
