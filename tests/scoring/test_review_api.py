"""Human review of a scorecard through the API: confirm, adjust with a reason (code
recomputes the verdict), the AI's original and the audit trail kept, `session.score_reviewed`
as an event and a signed webhook, progression after the review, isolation, bad input and two
reviewers at once."""

from __future__ import annotations

import asyncio
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx

from tests.conftest import Tenant
from tests.events.conftest import register
from tests.fixtures.receiver import Receiver
from tests.scoring.pipeline import interview, pipeline, schedule, scored, sessions_of
from tests.scoring.test_pipeline import application_of
from tests.scoring.test_review_gate import FLAGGED_INTERVIEW
from vivavoce.config import Settings
from vivavoce.runtime import Database


def review_url(session: dict[str, Any]) -> str:
    return f"/api/v1/sessions/{session['id']}/scorecard/review"


async def flagged_pass(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    rules: tuple[str, ...] = ("auto_advance", "auto_advance"),
) -> tuple[dict[str, Any], dict[str, Any]]:
    world = await pipeline(client, tenant, rules)
    first = await schedule(client, tenant, world, "s0")
    card = await scored(
        client, tenant, await interview(database, settings, tenant, first, FLAGGED_INTERVIEW)
    )
    assert (card["passed"], card["needs_human_review"]) == (True, True)
    assert card["review"] == {"status": "pending", "version": 0}
    return world, card


def expected_score(breakdown: list[dict[str, Any]]) -> str:
    total = sum(Decimal(str(d["weight"])) * Decimal(str(d["score"])) for d in breakdown)
    mean = total / sum((Decimal(str(d["weight"])) for d in breakdown), Decimal(0))
    return f"{mean.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):.1f}"


async def test_an_adjusted_pass_is_recomputed_audited_announced_and_advances(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    worker: None,
    receiver: Receiver,
) -> None:
    await register(client, tenant, receiver, events=["session.score_reviewed"])
    world, card = await flagged_pass(client, tenant, database, settings)
    assert (await application_of(client, tenant, world))["outcome"] == "awaiting_review"
    original = {d["dimension_id"]: d["score"] for d in card["evaluation_breakdown"]}

    body = {
        "action": "adjust",
        "version": 0,
        "reason": "Turn 5 shows solid failure handling; communication was clear throughout.",
        "dimensions": [{"dimension_id": "communication", "score": 9.0}],
    }
    response = await client.post(review_url(card), json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    session, entry = response.json()["data"]["session"], response.json()["data"]["review"]
    dims = {d["dimension_id"]: d for d in session["evaluation_breakdown"]}
    assert dims["communication"]["score"] == 9.0 and dims["communication"]["adjusted"] is True
    assert dims["system_design"]["score"] == original["system_design"]
    assert session["score"] == expected_score(session["evaluation_breakdown"])
    assert session["passed"] is True and session["recommendation"] == "hire"
    assert session["needs_human_review"] is False
    assert session["review"] == {"status": "adjusted", "version": 1}
    assert entry["action"] == "adjusted" and entry["reason"] == body["reason"]
    assert entry["reviewer"]["kind"] == "api_key"
    assert entry["before"]["dimensions"] == original and entry["before"]["score"] == card["score"]
    assert entry["after"]["dimensions"]["communication"] == 9.0
    assert entry["after"]["score"] == session["score"]

    # the adjusted pass advanced the candidate like any pass: awaiting_review is over
    [second] = await sessions_of(client, tenant, world, "s1")
    assert second["status"] == "scheduled"
    assert (await application_of(client, tenant, world))["outcome"] == "in_progress"

    # the AI's original and the audit trail are kept
    history = await client.get(
        f"/api/v1/sessions/{card['id']}/scorecard/reviews", headers=tenant.headers
    )
    assert history.status_code == 200, history.text
    data = history.json()["data"]
    assert data["ai_scorecard"]["score"] == card["score"]
    assert data["ai_scorecard"]["needs_human_review"] is True
    assert [r["id"] for r in data["reviews"]] == [entry["id"]]

    events = await client.get(f"/api/v1/sessions/{card['id']}/events", headers=tenant.headers)
    reviewed = [e for e in events.json()["data"] if e["event"] == "session.score_reviewed"]
    assert len(reviewed) == 1 and reviewed[0]["data"]["review"]["id"] == entry["id"]
    await receiver.wait_for(lambda r: len(r.received) == 1)
    [hook] = receiver.received
    assert hook.verified_by  # signed, checked by the standardwebhooks library
    assert hook.payload["event"] == "session.score_reviewed"
    assert hook.payload["data"]["session"]["score"] == session["score"]


async def test_an_adjustment_to_a_fail_stops_the_pipeline_and_a_confirm_keeps_the_scores(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    worker: None,
) -> None:
    world, card = await flagged_pass(client, tenant, database, settings)
    body = {
        "action": "adjust",
        "version": 0,
        "reason": "The design answer skipped consistency entirely.",
        "dimensions": [
            {"dimension_id": "system_design", "score": 2.0},
            {"dimension_id": "communication", "score": 3.0},
        ],
    }
    response = await client.post(review_url(card), json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    session = response.json()["data"]["session"]
    assert session["score"] == "2.4"  # 0.6 * 2 + 0.4 * 3, below the stage's bar of 4.0
    assert session["passed"] is False and session["recommendation"] == "no_hire"
    assert await sessions_of(client, tenant, world, "s1") == []
    assert (await application_of(client, tenant, world))["outcome"] == "not_passed"

    confirm = {"action": "confirm", "version": 1, "reason": "Agreed with the adjustment."}
    response = await client.post(review_url(card), json=confirm, headers=tenant.headers)
    assert response.status_code == 200, response.text
    confirmed = response.json()["data"]["session"]
    assert confirmed["score"] == session["score"]
    assert confirmed["review"] == {"status": "confirmed", "version": 2}
    history = await client.get(
        f"/api/v1/sessions/{card['id']}/scorecard/reviews", headers=tenant.headers
    )
    actions = [(r["version"], r["action"]) for r in history.json()["data"]["reviews"]]
    assert actions == [(1, "adjusted"), (2, "confirmed")]


async def test_bad_reviews_are_refused_and_change_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    database: Database,
    settings: Settings,
    worker: None,
) -> None:
    world, card = await flagged_pass(client, tenant, database, settings)
    url = review_url(card)
    adjust = {"action": "adjust", "version": 0, "reason": "r", "dimensions": []}
    cases = [
        (
            {**adjust, "dimensions": [{"dimension_id": "communication", "score": 5}]}
            | {"reason": " "},
            422,
        ),
        ({**adjust, "dimensions": [{"dimension_id": "communication", "score": 11}]}, 422),
        ({**adjust, "dimensions": [{"dimension_id": "charisma", "score": 5}]}, 422),
        (adjust, 422),
        (
            {"action": "confirm", "version": 0, "dimensions": [{"dimension_id": "x", "score": 1}]},
            422,
        ),
        ({"action": "confirm", "version": 7}, 409),
    ]
    for body, status in cases:
        response = await client.post(url, json=body, headers=tenant.headers)
        assert response.status_code == status, (body, response.text)
    stale = await client.post(url, json={"action": "confirm", "version": 7}, headers=tenant.headers)
    assert stale.json()["code"] == "scorecard_changed" and stale.json()["current_version"] == 0
    foreign = await client.post(
        url, json={"action": "confirm", "version": 0}, headers=other_tenant.headers
    )
    assert foreign.status_code == 404
    reader = await tenant.key_with("interviews.read")
    assert (
        await client.post(url, json={"action": "confirm", "version": 0}, headers=reader)
    ).status_code == 403
    assert (
        await client.get(
            f"/api/v1/sessions/{card['id']}/scorecard/reviews", headers=other_tenant.headers
        )
    ).status_code == 404

    unscored = await schedule(client, tenant, world, "s1")
    response = await client.post(
        review_url(unscored), json={"action": "confirm", "version": 0}, headers=tenant.headers
    )
    assert response.status_code == 409 and response.json()["code"] == "not_scored"

    after = (await client.get(f"/api/v1/sessions/{card['id']}", headers=tenant.headers)).json()
    assert after["data"]["score"] == card["score"]
    assert after["data"]["review"] == {"status": "pending", "version": 0}
    assert after["data"]["needs_human_review"] is True


async def test_two_reviewers_at_once_one_wins_and_the_other_gets_409(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    worker: None,
) -> None:
    _, card = await flagged_pass(client, tenant, database, settings, rules=("none",))
    bodies = [
        {
            "action": "adjust",
            "version": 0,
            "reason": f"reviewer {n}",
            "dimensions": [{"dimension_id": "communication", "score": score}],
        }
        for n, score in ((1, 3.0), (2, 9.5))
    ]
    responses = await asyncio.gather(
        *(client.post(review_url(card), json=b, headers=tenant.headers) for b in bodies)
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] == "scorecard_changed"
    winner = next(r for r in responses if r.status_code == 200).json()["data"]
    history = await client.get(
        f"/api/v1/sessions/{card['id']}/scorecard/reviews", headers=tenant.headers
    )
    [only] = history.json()["data"]["reviews"]
    assert only["id"] == winner["review"]["id"]
    now = (await client.get(f"/api/v1/sessions/{card['id']}", headers=tenant.headers)).json()
    assert now["data"]["score"] == winner["session"]["score"]
