"""Authenticity signals: browser events posted to /join/{token}/signals, the summary built
from them and from the stored turns, the session payload and GET /sessions/{id}/signals."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.world import build_world, created, session_body
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.sessions import service, signals, transcript
from vivavoce.sessions.service import SessionLinks
from vivavoce.sessions.state import EndReason

ORIGIN = {"Origin": "http://testserver"}


async def started(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> tuple[uuid.UUID, str]:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    token = session["join_url"].rsplit("/", 1)[1]
    async with unit_of_work(database.sessionmaker) as db:
        await service.join(
            db, token, SessionLinks(settings.base_url, settings.secret_key), utcnow()
        )
    return uuid.UUID(session["id"]), token


async def post(
    client: httpx.AsyncClient, token: str, events: list[dict[str, Any]], **headers: str
) -> httpx.Response:
    return await client.post(
        f"/join/{token}/signals", json={"events": events}, headers={**ORIGIN, **headers}
    )


async def report(client: httpx.AsyncClient, tenant: Tenant, session_id: uuid.UUID) -> Any:
    response = await client.get(f"/api/v1/sessions/{session_id}/signals", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


SHORT = "Yes, I'm ready."
LONG = "I designed the billing service, split it from the monolith and ran the migration. " * 2


async def test_summary_from_turns_latency_typing_and_scorer_text(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    session_id, token = await started(client, tenant, database, settings)
    t0 = utcnow()
    scorer = {"judgement": {"kind": "answer", "addressed_to_scorer": True}}
    script: list[tuple[str, str, float, float, dict[str, Any] | None]] = [
        ("ai", "Hello, ready?", 0, 2, None),
        ("participant", SHORT, 6, 6, None),  # 4 s after the question
        ("ai", "Tell me about a system.", 7, 9, None),
        ("participant", LONG, 11, 11, scorer),  # 168 chars, 2 s after: superhuman
        ("ai", "And how do you explain it?", 12, 14, None),
        ("participant", LONG, 74, 74, None),  # a minute later: a person typing
    ]
    async with unit_of_work(database.sessionmaker) as db:
        for speaker, text, start, end, meta in script:
            await transcript.append_turn(
                db,
                session_id,
                speaker,  # type: ignore[arg-type]
                text,
                t0 + timedelta(seconds=start),
                t0 + timedelta(seconds=end),
                meta,
            )
    summary = (await report(client, tenant, session_id))["summary"]
    assert summary["answer_latency_ms"] == {"p50": 4000, "max": 60000}
    assert summary["superhuman_typing"] == 1
    assert summary["typing"] == {"chars_per_second_p95": round(len(LONG) / 2, 1), "bursts": 0}
    assert summary["evaluator_manipulation_attempts"] == 1
    assert summary["scripted_answer_similarity"] is None
    assert summary["voice_spoofing_flags"] == 0
    assert summary["screen_share_detected"] is False

    # the fast answer was pasted: not typing at all, so not superhuman typing either
    response = await post(
        client,
        token,
        [
            {"kind": "paste", "turn_index": 3, "data": {"characters": len(LONG)}},
            {"kind": "answer_typing", "turn_index": 5, "data": {"typing_ms": 40_000, "bursts": 1}},
        ],
    )
    assert response.status_code == 202, response.text
    summary = (await report(client, tenant, session_id))["summary"]
    assert summary["superhuman_typing"] == 0
    assert summary["paste_events"] == 1 and summary["pasted_characters"] == len(LONG)
    assert summary["typing"]["bursts"] == 1
    assert summary["typing"]["chars_per_second_p95"] == round(len(LONG) / 40, 1)


async def test_browser_events_reach_the_session_and_stop_at_the_end(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    session_id, token = await started(client, tenant, database, settings)
    response = await post(
        client,
        token,
        [
            {"kind": "tab_hidden", "turn_index": 1, "age_ms": 5000},
            {"kind": "tab_visible", "turn_index": 1, "data": {"hidden_ms": 5000}},
            {"kind": "focus_lost", "turn_index": 1},
            {"kind": "focus_gained", "turn_index": 1, "data": {"lost_ms": 7250}},
            {"kind": "copy", "turn_index": 1},
            {"kind": "fullscreen_exit", "turn_index": 1},
            {"kind": "multiple_displays", "data": {"screens": 2}},
            {"kind": "network_change", "data": {"state": "offline"}},
        ],
    )
    assert response.status_code == 202, response.text
    assert response.json() == {"stored": 8, "dropped": 0}
    session = (await client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)).json()[
        "data"
    ]
    summary = session["authenticity_signals"]
    assert summary["tab_switches"] == 1
    assert summary["focus_lost_seconds"] == 7.2 or summary["focus_lost_seconds"] == 7.3
    assert summary["copy_events"] == 1 and summary["fullscreen_exits"] == 1
    assert summary["multiple_displays"] is True and summary["network_changes"] == 1
    data = await report(client, tenant, session_id)
    timeline = data["timeline"]
    assert timeline[0]["kind"] == "tab_hidden"  # 5 s ago: first
    assert timeline[0]["turn_index"] == 1 and timeline[0]["occurred_at"].endswith("Z")
    assert {"kind": "tab_visible", "turn_index": 1, "data": {"hidden_ms": 5000}}.items() <= {
        k: v for k, v in timeline[1].items() if k != "occurred_at"
    }.items()

    links = SessionLinks(settings.base_url, settings.secret_key)
    async with unit_of_work(database.sessionmaker) as db:
        await service.fail(db, tenant.id, session_id, EndReason.CANDIDATE_ENDED, links, utcnow())
    late = await post(client, token, [{"kind": "paste", "data": {"characters": 10}}])
    assert late.status_code == 409
    assert late.json()["code"] == "session_not_in_progress"
    data = await report(client, tenant, session_id)
    assert len(data["timeline"]) == 8 and data["summary"]["paste_events"] == 0
    ended = (await client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)).json()[
        "data"
    ]
    assert ended["authenticity_signals"] == data["summary"]


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ({"events": [{"kind": "launch_missiles"}]}, ORIGIN, 422),
        ({"events": [{"kind": "takeover"}]}, ORIGIN, 422),  # the server's own kinds
        ({"events": [{"kind": "connection", "data": {"address": "x"}}]}, ORIGIN, 422),
        ({"events": [{"kind": "copy"}] * 101}, ORIGIN, 422),
        ({"events": []}, ORIGIN, 422),
        ({"events": [{"kind": "paste", "data": {"text": "secret"}}]}, ORIGIN, 422),
        ({"events": [{"kind": "paste", "data": {"characters": True}}]}, ORIGIN, 422),
        ({"events": [{"kind": "paste", "data": {"characters": -1}}]}, ORIGIN, 422),
        ({"events": [{"kind": "copy", "age_ms": 10**9}]}, ORIGIN, 422),
        ({"events": [{"kind": "copy"}], "extra": 1}, ORIGIN, 422),
        ({"events": [{"kind": "copy", "data": {"x": "y" * 9000}}]}, ORIGIN, 413),
        ({"events": [{"kind": "copy"}]}, {}, 403),
        ({"events": [{"kind": "copy"}]}, {"Origin": "https://evil.example"}, 403),
        ({"events": [{"kind": "copy"}]}, {**ORIGIN, "Sec-Fetch-Site": "cross-site"}, 403),
    ],
)
async def test_hostile_posts_are_refused_and_store_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    body: dict[str, Any],
    headers: dict[str, str],
    status: int,
) -> None:
    session_id, token = await started(client, tenant, database, settings)
    response = await client.post(
        f"/join/{token}/signals",
        content=json.dumps(body),
        headers={"Content-Type": "application/json", **headers},
    )
    assert response.status_code == status, response.text
    assert (await report(client, tenant, session_id))["timeline"] == []


async def test_unknown_token_wrong_type_and_not_json(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    session_id, token = await started(client, tenant, database, settings)
    assert (await post(client, "nope", [{"kind": "copy"}])).status_code == 404
    form = await client.post(
        f"/join/{token}/signals",
        content="events=1",
        headers={**ORIGIN, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
    garbage = await client.post(
        f"/join/{token}/signals",
        content="{not json",
        headers={**ORIGIN, "Content-Type": "text/plain"},
    )
    assert garbage.status_code == 422
    beacon = await client.post(  # what navigator.sendBeacon sends
        f"/join/{token}/signals",
        content=json.dumps({"events": [{"kind": "tab_hidden"}]}),
        headers={**ORIGIN, "Content-Type": "text/plain;charset=UTF-8"},
    )
    assert beacon.status_code == 202, beacon.text
    assert len((await report(client, tenant, session_id))["timeline"]) == 1


async def test_events_per_session_and_requests_are_bounded(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session_id, token = await started(client, tenant, database, settings)
    monkeypatch.setattr(signals, "MAX_EVENTS_PER_SESSION", 3)
    response = await post(client, token, [{"kind": "copy"}] * 5)
    assert response.json() == {"stored": 3, "dropped": 2}
    assert (await post(client, token, [{"kind": "copy"}])).json() == {"stored": 0, "dropped": 1}
    assert len((await report(client, tenant, session_id))["timeline"]) == 3
    statuses = [(await post(client, token, [{"kind": "copy"}])).status_code for _ in range(30)]
    assert 429 in statuses


async def test_signals_are_workspace_isolated(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    database: Database,
    settings: Settings,
) -> None:
    session_id, token = await started(client, tenant, database, settings)
    assert (await post(client, token, [{"kind": "copy"}])).status_code == 202
    response = await client.get(
        f"/api/v1/sessions/{session_id}/signals", headers=other_tenant.headers
    )
    assert response.status_code == 404
    no_scope = await tenant.key_with("interviews.write")
    forbidden = await client.get(f"/api/v1/sessions/{session_id}/signals", headers=no_scope)
    assert forbidden.status_code == 403
