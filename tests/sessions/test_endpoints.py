from __future__ import annotations

import uuid

import httpx

from tests.conftest import Tenant
from tests.fixtures.world import add_participant, build_world, created, session_body


async def test_schedule_returns_the_full_session_with_a_join_url(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    response = await client.post(
        "/api/v1/sessions",
        json=session_body(
            world, scheduled_at="2036-12-01T09:30:00+01:00", timezone="Europe/Berlin", notes="ok"
        ),
        headers=tenant.headers,
    )
    session = await created(response)
    assert response.headers["location"] == f"/api/v1/sessions/{session['id']}"
    assert session["status"] == "scheduled"
    assert session["stage"] == "screen"
    assert session["evaluation_stage_id"] == world.stage_ids["screen"]
    assert session["scheduled_at"] == "2036-12-01T08:30:00Z"
    assert session["join_url"].startswith("http://testserver/join/")
    assert len(session["join_url"].rsplit("/", 1)[1]) >= 22  # ≥128 bits
    assert session["score"] is None and session["scored_at"] is None
    again = await client.get(f"/api/v1/sessions/{session['id']}", headers=tenant.headers)
    assert again.json()["data"]["join_url"] == session["join_url"]


async def test_an_open_session_for_the_same_stage_is_a_409_naming_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    first = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    duplicate = await client.post(
        "/api/v1/sessions", json=session_body(world), headers=tenant.headers
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate_session"
    assert duplicate.json()["session_id"] == first["id"]
    forced = await client.post(
        "/api/v1/sessions", json=session_body(world, force=True), headers=tenant.headers
    )
    assert forced.status_code == 201
    other_stage = await client.post(
        "/api/v1/sessions", json=session_body(world, "technical"), headers=tenant.headers
    )
    assert other_stage.status_code == 201


async def test_idempotency_key_returns_the_existing_session(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    body = session_body(world, idempotency_key="ats-req-1")
    first = await client.post("/api/v1/sessions", json=body, headers=tenant.headers)
    second = await client.post("/api/v1/sessions", json=body, headers=tenant.headers)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["data"]["id"] == first.json()["data"]["id"]
    listing = await client.get(
        f"/api/v1/sessions?candidate_id={world.participant_id}", headers=tenant.headers
    )
    assert len(listing.json()["data"]) == 1


async def test_unknown_stage_and_mismatched_interview_id_are_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    unknown = await client.post(
        "/api/v1/sessions", json=session_body(world, "final"), headers=tenant.headers
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_stage"
    assert "screen" in unknown.json()["issues"][0]["message"]
    mismatch = await client.post(
        "/api/v1/sessions",
        json=session_body(world, "screen", interview_id=world.stage_ids["technical"]),
        headers=tenant.headers,
    )
    assert mismatch.status_code == 422


async def test_malformed_session_bodies_are_422_with_issues(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    cases = [
        session_body(world, timezone="Mars/Olympus"),
        session_body(world, notes="x" * 1001),
        session_body(world, notes="nul \x00 inside"),
        session_body(world, idempotency_key="k" * 256),
        session_body(world, scheduled_at="tomorrow"),
        session_body(world, scheduled_at="2020-01-01T09:30:00Z"),  # in the past
        {**session_body(world), "candidate_id": "not-a-uuid"},
        {**session_body(world), "force": "perhaps"},
        {"stage": "screen"},
    ]
    for body in cases:
        response = await client.post("/api/v1/sessions", json=body, headers=tenant.headers)
        assert response.status_code == 422, body
        assert response.json()["issues"], body


async def test_reschedule_only_while_scheduled(client: httpx.AsyncClient, tenant: Tenant) -> None:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    url = f"/api/v1/sessions/{session['id']}"
    moved = await client.patch(
        url,
        json={"scheduled_at": "2036-12-24T10:00:00Z", "timezone": "Asia/Tokyo"},
        headers=tenant.headers,
    )
    assert moved.status_code == 200
    assert moved.json()["data"]["scheduled_at"] == "2036-12-24T10:00:00Z"
    assert moved.json()["data"]["timezone"] == "Asia/Tokyo"
    cancelled = await client.post(f"{url}/cancel", headers=tenant.headers)
    assert cancelled.json()["data"]["status"] == "cancelled"
    assert cancelled.json()["data"]["end_reason"] == "cancelled"
    late = await client.patch(url, json={"notes": "too late"}, headers=tenant.headers)
    assert late.status_code == 409
    assert late.json()["code"] == "session_immutable"
    again = await client.post(f"{url}/cancel", headers=tenant.headers)
    assert again.status_code == 409


async def test_cancel_writes_one_event_and_events_list_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    await client.post(f"/api/v1/sessions/{session['id']}/cancel", headers=tenant.headers)
    history = await client.get(f"/api/v1/sessions/{session['id']}/events", headers=tenant.headers)
    assert [e["event"] for e in history.json()["data"]] == ["session.cancelled", "session.created"]
    snapshot = history.json()["data"][0]["data"]["session"]
    assert snapshot["status"] == "cancelled"
    assert history.json()["data"][0]["id"].startswith("evt_")
    log = await client.get("/api/v1/events?event=session.cancelled", headers=tenant.headers)
    assert [e["session_id"] for e in log.json()["data"]] == [session["id"]]


async def test_list_filters_and_cursor_pages(client: httpx.AsyncClient, tenant: Tenant) -> None:
    world = await build_world(client, tenant.headers)
    ids = []
    for n in range(5):
        participant = await add_participant(
            client, tenant.headers, world.template_id, f"p{n}@example.com", external_id=f"ext-{n}"
        )
        body = session_body(world) | {"candidate_id": participant}
        ids.append(
            (
                await created(
                    await client.post("/api/v1/sessions", json=body, headers=tenant.headers)
                )
            )["id"]
        )
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2, "evaluation_template_id": world.template_id}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/sessions", params=params, headers=tenant.headers)).json()
        seen += [s["id"] for s in page["data"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert seen == list(reversed(ids))  # newest first, no gaps, no repeats
    by_external = await client.get("/api/v1/sessions?external_id=ext-3", headers=tenant.headers)
    assert [s["id"] for s in by_external.json()["data"]] == [ids[3]]
    assert by_external.json()["data"][0]["external_id"] == "ext-3"
    await client.post(f"/api/v1/sessions/{ids[0]}/cancel", headers=tenant.headers)
    cancelled = await client.get("/api/v1/sessions?status=cancelled", headers=tenant.headers)
    assert [s["id"] for s in cancelled.json()["data"]] == [ids[0]]
    bad = await client.get("/api/v1/sessions?status=paused", headers=tenant.headers)
    assert bad.status_code == 422


async def test_sessions_of_another_workspace_are_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    for method, path in (
        ("GET", f"/api/v1/sessions/{session['id']}"),
        ("PATCH", f"/api/v1/sessions/{session['id']}"),
        ("POST", f"/api/v1/sessions/{session['id']}/cancel"),
        ("GET", f"/api/v1/sessions/{session['id']}/events"),
    ):
        body = {"notes": "x"} if method == "PATCH" else None
        response = await client.request(method, path, headers=other_tenant.headers, json=body)
        assert response.status_code == 404, (method, path)
    foreign = await client.post(
        "/api/v1/sessions", json=session_body(world), headers=other_tenant.headers
    )
    assert foreign.status_code == 404
    missing = await client.get(f"/api/v1/sessions/{uuid.uuid4()}", headers=tenant.headers)
    assert missing.status_code == 404


async def test_first_session_creates_the_application_with_a_stage_rollup(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    first = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    apps = (
        await client.get(
            f"/api/v1/applications?evaluation_template_id={world.template_id}",
            headers=tenant.headers,
        )
    ).json()["data"]
    assert len(apps) == 1
    application = apps[0]
    assert application["id"] == first["application_id"]
    assert application["source"] == "api"
    assert application["scheduling_status"] == "scheduled"
    assert application["current_stage"] == "screen"
    assert [(s["stage"], s["latest_session_id"]) for s in application["stages"]] == [
        ("screen", first["id"]),
        ("technical", None),
    ]
    await client.post(f"/api/v1/sessions/{first['id']}/cancel", headers=tenant.headers)
    retry = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    assert retry["application_id"] == first["application_id"]
    rolled = (
        await client.get(f"/api/v1/applications/{first['application_id']}", headers=tenant.headers)
    ).json()["data"]
    assert rolled["stages"][0]["latest_session_id"] == retry["id"]  # the retry wins at once
    assert rolled["stages"][0]["status"] == "scheduled"
    assert rolled["latest_session_id"] == retry["id"]


async def test_an_idempotency_key_reused_for_another_request_is_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    first = await client.post(
        "/api/v1/sessions", json=session_body(world, idempotency_key="k-1"), headers=tenant.headers
    )
    assert first.status_code == 201
    other = await client.post(
        "/api/v1/sessions",
        json=session_body(world, "technical", idempotency_key="k-1"),
        headers=tenant.headers,
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


async def test_an_archived_template_takes_no_new_sessions(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    archived = await client.patch(
        f"/api/v1/evaluation-templates/{world.template_id}",
        json={"status": "archived"},
        headers=tenant.headers,
    )
    assert archived.status_code == 200
    refused = await client.post(
        "/api/v1/sessions", json=session_body(world), headers=tenant.headers
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "template_archived"
