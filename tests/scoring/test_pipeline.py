"""Multi-stage progression end to end through the API with a real worker: scoring on
completion, auto-advance with an invite, reviewer approval, a failed stage, a retry."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import Tenant
from tests.scoring.pipeline import interview, pipeline, schedule, scored, sessions_of
from tests.scoring.samples import DONT_KNOW, STRONG_INTERVIEW
from vivavoce.config import Settings
from vivavoce.runtime import Database


async def application_of(
    client: httpx.AsyncClient, tenant: Tenant, world: dict[str, Any]
) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/applications",
        params={"candidate_id": world["participant_id"]},
        headers=tenant.headers,
    )
    [application] = response.json()["data"]
    assert isinstance(application, dict)
    return application


async def appears(
    client: httpx.AsyncClient, tenant: Tenant, world: dict[str, Any], stage: str
) -> dict[str, Any]:
    for _ in range(100):
        found = await sessions_of(client, tenant, world, stage)
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no session for stage {stage}")


async def test_three_stages_auto_advance_reviewer_approval_and_pass(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    database: Database,
    settings: Settings,
    worker: None,
) -> None:
    world = await pipeline(
        client, tenant, ("auto_advance", "require_reviewer_approval", "auto_advance")
    )
    first = await schedule(client, tenant, world, "s0")
    card = await scored(
        client, tenant, await interview(database, settings, tenant, first, STRONG_INTERVIEW)
    )
    assert card["passed"] is True and card["recommendation"] == "hire"
    assert float(card["score"]) >= 4.0
    breakdown = card["evaluation_breakdown"]
    assert {d["dimension_id"] for d in breakdown} == {"system_design", "communication"}
    assert any(c["turn"] in (3, 5, 7) for d in breakdown for c in d["citations"])
    assert {d["confidence"] for d in breakdown} == {"high"}  # three answers informed each
    assert card["scoring"]["scorer"] == "offline"
    assert card["scoring"]["rubric_version"].startswith("agent_profile:")
    events = await client.get(f"/api/v1/sessions/{first['id']}/events", headers=tenant.headers)
    kinds = [e["event"] for e in events.json()["data"]]
    assert kinds.count("session.scored") == 1

    # auto_advance: the next stage's session exists, scheduled and invited, with no API call
    second = await appears(client, tenant, world, "s1")
    assert second["status"] == "scheduled"
    invites = await client.get(
        "/api/v1/emails", params={"session_id": second["id"]}, headers=tenant.headers
    )
    assert invites.json()["data"], "the next stage's invite was not sent"

    # require_reviewer_approval: waits for a reviewer
    card = await scored(
        client, tenant, await interview(database, settings, tenant, second, STRONG_INTERVIEW)
    )
    assert card["passed"] is True
    application = await application_of(client, tenant, world)
    assert application["outcome"] == "awaiting_review"
    assert await sessions_of(client, tenant, world, "s2") == []
    listed = await client.get(
        "/api/v1/applications", params={"outcome": "awaiting_review"}, headers=tenant.headers
    )
    assert [a["id"] for a in listed.json()["data"]] == [application["id"]]

    advance = f"/api/v1/applications/{application['id']}/advance"
    assert (await client.post(advance, headers=other_tenant.headers)).status_code == 404
    response = await client.post(advance, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["outcome"] == "in_progress"
    again = await client.post(advance, headers=tenant.headers)
    assert again.status_code == 409 and again.json()["code"] == "not_awaiting_review"

    third = await appears(client, tenant, world, "s2")
    card = await scored(
        client, tenant, await interview(database, settings, tenant, third, STRONG_INTERVIEW)
    )
    application = await application_of(client, tenant, world)
    assert application["outcome"] == "passed"
    everything = await sessions_of(client, tenant, world)
    assert len(everything) == 3
    assert {s["candidate_id"] for s in everything} == {world["participant_id"]}
    assert [s["passed"] for s in application["stages"]] == [True, True, True]


async def test_a_failed_stage_stops_the_pipeline_and_a_retry_surfaces_in_the_rollup(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    worker: None,
) -> None:
    world = await pipeline(client, tenant, ("auto_advance", "auto_advance"))
    first = await schedule(client, tenant, world, "s0")
    card = await scored(
        client, tenant, await interview(database, settings, tenant, first, DONT_KNOW)
    )
    assert card["passed"] is False and card["recommendation"] == "no_hire"
    # a next stage would have been scheduled in the scorecard's own transaction
    assert await sessions_of(client, tenant, world, "s1") == []
    application = await application_of(client, tenant, world)
    assert application["outcome"] == "not_passed"

    retry = await schedule(client, tenant, world, "s0")
    application = await application_of(client, tenant, world)
    assert application["outcome"] == "in_progress"
    assert application["stages"][0]["latest_session_id"] == retry["id"]
    card = await scored(
        client, tenant, await interview(database, settings, tenant, retry, STRONG_INTERVIEW)
    )
    assert card["passed"] is True
    await appears(client, tenant, world, "s1")
    application = await application_of(client, tenant, world)
    assert application["stages"][0]["score"] == card["score"]
    assert application["stages"][0]["passed"] is True
    assert application["outcome"] == "in_progress"


async def test_rule_none_stops_after_a_pass(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    worker: None,
) -> None:
    world = await pipeline(client, tenant, ("none", "auto_advance"))
    first = await schedule(client, tenant, world, "s0")
    card = await scored(
        client, tenant, await interview(database, settings, tenant, first, STRONG_INTERVIEW)
    )
    assert card["passed"] is True
    # a next stage would have been scheduled in the scorecard's own transaction
    assert await sessions_of(client, tenant, world, "s1") == []
    application = await application_of(client, tenant, world)
    assert application["outcome"] == "in_progress"
    advance = f"/api/v1/applications/{application['id']}/advance"
    assert (await client.post(advance, headers=tenant.headers)).status_code == 409
