"""Embed tokens through the API and the /embed pages (docs/embed.md): issued for one open
live session of the caller's workspace and one allowed origin, stored as digests, opened
once, refused after their time; the page they open may be framed by that origin only."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from sqlalchemy import text

from tests.conftest import Tenant
from tests.fixtures.world import World, build_world, created, session_body
from vivavoce.kit import crypto
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database

HOST = "http://127.0.0.1:8123"
OTHER_HOST = "https://jobs.example.com"


async def _embeddable(
    client: httpx.AsyncClient, tenant: Tenant, origins: list[str] | None = None
) -> tuple[World, dict[str, Any]]:
    world = await build_world(client, tenant.headers, stages=("screen",))
    patched = await client.patch(
        f"/api/v1/evaluation-templates/{world.template_id}",
        json={
            "embed_origins": origins if origins is not None else [HOST],
            "branding": {"primary_color": "#0F766E"},
        },
        headers=tenant.headers,
    )
    assert patched.status_code == 200, patched.text
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    return world, session


async def _issue(
    client: httpx.AsyncClient, tenant: Tenant, session_id: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/sessions/{session_id}/embed-token", json=body, headers=tenant.headers
    )


def _csp(response: httpx.Response) -> str:
    return response.headers["content-security-policy"]


def _room_key(html: str) -> str:
    found = re.search(r'<div id="join" data-token="([^"]+)"', html)
    assert found is not None, html
    return found[1]


async def test_template_origins_are_canonical_and_strict(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/v1/evaluation-templates",
        json={
            "template_name": "Embedded",
            "embed_origins": ["HTTPS://Jobs.Example.com:443/", "http://127.0.0.1:8123"],
        },
        headers=tenant.headers,
    )
    template = await created(response)
    assert template["embed_origins"] == [OTHER_HOST, HOST]
    for bad in (
        "https://*.example.com",
        "https://jobs.example.com/careers",
        "javascript:alert(1)",
        "ftp://example.com",
        "https://example.com; script-src *",
        "https://example.com:99999",
    ):
        refused = await client.patch(
            f"/api/v1/evaluation-templates/{template['id']}",
            json={"embed_origins": [bad]},
            headers=tenant.headers,
        )
        assert refused.status_code == 422, (bad, refused.text)
    again = await client.get(
        f"/api/v1/evaluation-templates/{template['id']}", headers=tenant.headers
    )
    assert again.json()["data"]["embed_origins"] == [OTHER_HOST, HOST]  # unchanged


async def test_a_token_opens_the_interview_once_framed_by_its_origin_only(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    _, session = await _embeddable(client, tenant)
    response = await _issue(client, tenant, session["id"])
    issued = await created(response)
    token = issued["token"]
    assert issued["origin"] == HOST and issued["session_id"] == session["id"]
    assert issued["embed_url"] == f"http://testserver/embed/{token}"
    assert len(token) >= 43  # 256 random bits
    async with unit_of_work(database.sessionmaker) as db:
        stored = (
            await db.execute(
                text("SELECT token_digest, room_digest FROM embed_tokens WHERE session_id = :s"),
                {"s": session["id"]},
            )
        ).one()
    assert stored.token_digest == crypto.digest(token) and stored.room_digest is None

    opened = await client.get(f"/embed/{token}")
    assert opened.status_code == 200, opened.text
    assert f"frame-ancestors {HOST}" in _csp(opened)
    assert "x-frame-options" not in opened.headers
    assert "run by an AI interviewer" in opened.text
    assert f'data-origin="{HOST}"' in opened.text
    assert "--accent: #0f766e" in opened.text  # the template's branding
    room = _room_key(opened.text)
    join_token = session["join_url"].rsplit("/", 1)[1]
    assert token not in opened.text and join_token not in opened.text
    # the room key stands in for the join token on the candidate's routes
    joined = await client.get(f"/join/{room}")
    assert joined.status_code == 200 and "run by an AI interviewer" in joined.text
    assert "frame-ancestors 'none'" in _csp(joined)  # framable only as /embed/…
    assert joined.headers["x-frame-options"] == "DENY"

    replayed = await client.get(f"/embed/{token}")
    assert replayed.status_code == 410
    assert "already opened" in replayed.text and 'data-state="token_used"' in replayed.text
    assert room not in replayed.text and 'id="join"' not in replayed.text
    assert f"frame-ancestors {HOST}" in _csp(replayed)  # the host page hears why


async def test_an_expired_token_and_an_expired_room_key_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    _, session = await _embeddable(client, tenant)
    late = (await created(await _issue(client, tenant, session["id"])))["token"]
    used = (await created(await _issue(client, tenant, session["id"])))["token"]
    room = _room_key((await client.get(f"/embed/{used}")).text)
    async with unit_of_work(database.sessionmaker) as db:
        await db.execute(
            text(
                "UPDATE embed_tokens SET expires_at = now() - interval '1 second',"
                " room_expires_at = CASE WHEN room_digest IS NULL THEN NULL"
                " ELSE now() - interval '1 second' END WHERE session_id = :s"
            ),
            {"s": session["id"]},
        )
    expired = await client.get(f"/embed/{late}")
    assert expired.status_code == 410 and 'data-state="token_expired"' in expired.text
    assert (await client.get(f"/join/{room}")).status_code == 404
    assert (
        await client.get(session["join_url"].removeprefix("http://testserver"))
    ).status_code == 200


async def test_unknown_tokens_get_a_page_nobody_may_frame(client: httpx.AsyncClient) -> None:
    response = await client.get("/embed/" + crypto.random_token(32))
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in _csp(response)
    assert (await client.get("/embed/" + "x" * 500)).status_code == 404


async def test_foreign_unknown_and_unembeddable_sessions_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    _, session = await _embeddable(client, tenant, [HOST, OTHER_HOST])
    foreign = await _issue(client, other_tenant, session["id"], origin=HOST)
    assert foreign.status_code == 404, foreign.text
    assert foreign.json()["code"] == "not_found"
    missing = await _issue(client, tenant, "0190c3a1-0000-7000-8000-000000000000", origin=HOST)
    assert missing.status_code == 404

    ambiguous = await _issue(client, tenant, session["id"])
    assert ambiguous.status_code == 422, ambiguous.text
    elsewhere = await _issue(client, tenant, session["id"], origin="https://evil.example")
    assert elsewhere.status_code == 422
    assert elsewhere.json()["code"] == "origin_not_allowed"
    chosen = await created(await _issue(client, tenant, session["id"], origin=OTHER_HOST + "/"))
    assert chosen["origin"] == OTHER_HOST

    _, closed = await _embeddable(client, tenant, [])
    refused = await _issue(client, tenant, closed["id"])
    assert refused.status_code == 409 and refused.json()["code"] == "embedding_not_allowed"

    cancelled = await client.post(
        f"/api/v1/sessions/{session['id']}/cancel", headers=tenant.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    over = await _issue(client, tenant, session["id"], origin=HOST)
    assert over.status_code == 409 and over.json()["code"] == "session_immutable"


async def test_issuing_needs_the_write_scope(client: httpx.AsyncClient, tenant: Tenant) -> None:
    _, session = await _embeddable(client, tenant)
    reader = await tenant.key_with("interviews.read")
    response = await client.post(
        f"/api/v1/sessions/{session['id']}/embed-token", json={}, headers=reader
    )
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    no_body = await client.post(
        f"/api/v1/sessions/{session['id']}/embed-token", headers=tenant.headers
    )
    assert no_body.status_code == 201, no_body.text


async def test_the_loader_is_served_by_vivavoce(client: httpx.AsyncClient) -> None:
    response = await client.get("/embed.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "window.Vivavoce" in response.text


async def test_a_retry_with_an_idempotency_key_makes_a_new_token_and_stores_none(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    _, session = await _embeddable(client, tenant)
    headers = {**tenant.headers, "Idempotency-Key": "embed-" + session["id"]}
    url = f"/api/v1/sessions/{session['id']}/embed-token"
    first = await client.post(url, json={}, headers=headers)
    again = await client.post(url, json={}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    tokens = {first.json()["data"]["token"], again.json()["data"]["token"]}
    assert len(tokens) == 2
    async with unit_of_work(database.sessionmaker) as db:
        kept = await db.scalar(
            text("SELECT count(*) FROM idempotency_keys WHERE key = :k"),
            {"k": headers["Idempotency-Key"]},
        )
    assert kept == 0


async def test_two_loads_racing_with_one_token_open_it_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    _, session = await _embeddable(client, tenant)
    token = (await created(await _issue(client, tenant, session["id"])))["token"]
    loads = await asyncio.gather(*(client.get(f"/embed/{token}") for _ in range(6)))
    assert sorted(r.status_code for r in loads) == [200] + [410] * 5
