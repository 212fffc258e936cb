"""Manual review (`manual_review`) in a mixed pipeline: a one-way screen auto-advances to a
reviewer's stage (no invite), the reviewer opens it and submits a scorecard on the rubric
with a decision, which drives progression to the final review like a scored interview;
bad scorecards change nothing."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.assessments.modes import (
    answer_all,
    application_of,
    emails_for,
    event_types,
    next_session,
    pipeline,
    schedule,
    scored,
    session_of,
    token_of,
)
from tests.assessments.test_async_assessment import ANSWERS, async_stage
from tests.assessments.test_final_review import FINAL, decide
from tests.conftest import Tenant
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Forbidden
from vivavoce.runtime import Database
from vivavoce.scoring import manual_review
from vivavoce.sessions.service import SessionLinks
from vivavoce.workspaces import service as workspaces
from vivavoce.workspaces.actors import ReviewerIdentity

PANEL = {"type": "panel", "stage_type": "manual_review", "pass_threshold": 50}
SCORES = [
    {"dimension_id": "system_design", "score": 8, "notes": "Clear failure model, real numbers."},
    {"dimension_id": "communication", "score": 6.5, "notes": "Good structure, a bit long."},
]


async def review(
    client: httpx.AsyncClient, tenant: Tenant, session_id: str, **body: object
) -> httpx.Response:
    return await client.post(
        f"/api/v1/sessions/{session_id}/manual-review", json=body, headers=tenant.headers
    )


@pytest.mark.usefixtures("worker")
async def test_a_mixed_pipeline_runs_from_a_one_way_screen_through_a_panel_to_the_decision(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(
        client,
        tenant,
        {**async_stage(), "pass_threshold": 0},
        PANEL,
        FINAL,
        email="gus@example.com",
    )
    screen = await schedule(client, tenant, world, "one-way")
    await answer_all(client, token_of(screen), ANSWERS)
    assert (await scored(client, tenant, screen["id"]))["passed"] is True
    application = await application_of(client, tenant, world)
    if application["outcome"] == "awaiting_review":  # the scorer asked for a human look
        advanced = await client.post(
            f"/api/v1/applications/{application['id']}/advance", headers=tenant.headers
        )
        assert advanced.status_code == 200, advanced.text
    panel = await next_session(client, tenant, world, "panel")
    assert panel["status"] == "scheduled"
    assert await emails_for(client, tenant, panel["id"]) == []

    started = await client.post(
        f"/api/v1/sessions/{panel['id']}/manual-review/start", headers=tenant.headers
    )
    assert started.status_code == 200, started.text
    assert started.json()["data"]["status"] == "in_progress"

    missing = await review(client, tenant, panel["id"], dimensions=SCORES[:1], decision="advance")
    assert missing.status_code == 422 and missing.json()["code"] == "invalid_scorecard"
    assert "communication is not scored" in missing.text
    stranger = [*SCORES, {"dimension_id": "charisma", "score": 9}]
    unknown = await review(client, tenant, panel["id"], dimensions=stranger, decision="advance")
    assert unknown.status_code == 422 and "unknown dimension charisma" in unknown.text
    assert (await session_of(client, tenant, panel["id"]))["status"] == "in_progress"

    done = await review(
        client,
        tenant,
        panel["id"],
        dimensions=SCORES,
        decision="advance",
        notes="Strong on design; move to the final decision.",
    )
    assert done.status_code == 200, done.text
    card = done.json()["data"]
    assert (card["status"], card["passed"], card["recommendation"]) == ("completed", True, "hire")
    assert card["score"] == "7.4"  # 8 * 60 % + 6.5 * 40 %, by code
    assert [d["feedback"] for d in card["evaluation_breakdown"]] == [s["notes"] for s in SCORES]
    assert await event_types(client, tenant, panel["id"]) == [
        "session.completed",
        "session.created",
        "session.scored",
        "session.started",
    ]
    again = await review(client, tenant, panel["id"], dimensions=SCORES, decision="reject")
    assert again.status_code == 409 and again.json()["code"] == "session_immutable"

    final = await next_session(client, tenant, world, "final")  # auto-advanced by the panel
    assert final["status"] == "scheduled"
    decided = await decide(client, tenant, application["id"], decision="hire", reason="Offer.")
    assert decided.status_code == 200, decided.text
    rollup = {s["stage"]: s["status"] for s in decided.json()["data"]["stages"]}
    assert rollup == {"one-way": "completed", "panel": "completed", "final": "completed"}
    assert decided.json()["data"]["outcome"] == "passed"


async def test_a_rejecting_panel_stops_the_pipeline_and_only_review_stages_are_reviewed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant, PANEL, FINAL, async_stage(), email="hal@example.com")
    panel = await schedule(client, tenant, world, "panel")
    page = await client.get(f"/join/{token_of(panel)}")
    assert page.status_code == 404 and "Nothing to do here" in page.text
    closed = await review(client, tenant, panel["id"], dimensions=SCORES, decision="reject")
    assert closed.status_code == 200, closed.text  # straight from scheduled: started, then done
    assert closed.json()["data"]["passed"] is False
    application = await application_of(client, tenant, world)
    assert application["outcome"] == "not_passed"
    assert [s["latest_session_id"] for s in application["stages"]][1:] == [None, None]

    one_way = await schedule(client, tenant, world, "one-way")
    refused = await client.post(
        f"/api/v1/sessions/{one_way['id']}/manual-review/start", headers=tenant.headers
    )
    assert refused.status_code == 409 and refused.json()["code"] == "wrong_mode"


async def test_a_named_reviewer_is_the_only_person_who_may_review(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    async with unit_of_work(database.sessionmaker) as db:
        named = await workspaces.create_user(
            db, tenant.id, "rev-a@example.com", "pw-" + "x" * 12, "member"
        )
        other = await workspaces.create_user(
            db, tenant.id, "rev-b@example.com", "pw-" + "x" * 12, "member"
        )
    stranger = await client.post(
        "/api/v1/evaluation-stages",
        json={
            "evaluation_template_id": (
                await pipeline(client, tenant, FINAL, email="kai@example.com")
            )["template_id"],
            **PANEL,
            "review": {"reviewer_user_id": str(uuid.uuid4())},
        },
        headers=tenant.headers,
    )
    assert stranger.status_code == 404, stranger.text
    world = await pipeline(
        client,
        tenant,
        {**PANEL, "review": {"reviewer_user_id": str(named.id)}},
        email="lea@example.com",
    )
    stage = (
        await client.get(
            f"/api/v1/evaluation-stages/{world['stages']['panel']}", headers=tenant.headers
        )
    ).json()["data"]
    assert stage["review"] == {"reviewer_user_id": str(named.id)}
    panel = await schedule(client, tenant, world, "panel")
    links = SessionLinks(settings.base_url, settings.secret_key)
    session_id = uuid.UUID(panel["id"])
    wrong = ReviewerIdentity("user", other.id, other.email)
    with pytest.raises(Forbidden) as refused:
        async with unit_of_work(database.sessionmaker) as db:
            await manual_review.start(db, tenant.id, session_id, wrong, links, utcnow())
    assert refused.value.code == "not_the_reviewer"
    assert (await session_of(client, tenant, panel["id"]))["status"] == "scheduled"
    async with unit_of_work(database.sessionmaker) as db:
        right = ReviewerIdentity("user", named.id, named.email)
        await manual_review.start(db, tenant.id, session_id, right, links, utcnow())
    assert (await session_of(client, tenant, panel["id"]))["status"] == "in_progress"


async def test_two_reviewers_submitting_at_once_write_one_scorecard(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant, PANEL, email="max@example.com")
    panel = await schedule(client, tenant, world, "panel")
    results = await asyncio.gather(
        review(client, tenant, panel["id"], dimensions=SCORES, decision="advance"),
        review(client, tenant, panel["id"], dimensions=SCORES, decision="reject"),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    events = await event_types(client, tenant, panel["id"])
    assert events.count("session.scored") == 1 and events.count("session.completed") == 1
