"""The one-way assessment (`async_assessment`) through its JSON steps on a real database:
the lifecycle and its events, retakes, two tabs, the server's clock, the scorecard, and the
refusals (another site, another mode, bad steps)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.assessments.modes import (
    ORIGIN,
    QUESTIONS,
    event_types,
    pipeline,
    schedule,
    scored,
    session_of,
    token_of,
)
from tests.conftest import Tenant
from vivavoce.assessments import service as assessments
from vivavoce.assessments.service import NO_ANSWER
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Conflict
from vivavoce.runtime import Database
from vivavoce.sessions import service as sessions
from vivavoce.sessions.service import SessionLinks

ANSWERS = [
    "I designed our payment retry service: a PostgreSQL outbox, idempotency keys on every "
    "charge and a worker pool with exponential backoff. When the card processor failed for "
    "an hour we lost no payments and replayed 12,000 charges without one double charge.",
    "I start from what the manager cares about, cost and risk, then give two options with "
    "their numbers: caching cut latency 40 percent but risked stale prices for a minute. "
    "I wrote a one-page summary and we chose the cache with a short expiry.",
]


def async_stage(**settings: Any) -> dict[str, Any]:
    return {
        "type": "one-way",
        "stage_type": "async_assessment",
        "questions": QUESTIONS,
        "assessment": {"prep_seconds": 0, "answer_seconds": 120, "retakes": 1, **settings},
    }


async def step(
    client: httpx.AsyncClient, token: str, state: dict[str, Any], action: str, **extra: Any
) -> httpx.Response:
    body = {"action": action, "position": state["position"], "attempt": state["attempt"], **extra}
    return await client.post(f"/join/{token}/assessment/step", json=body, headers=ORIGIN)


async def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


@pytest.mark.usefixtures("worker")
async def test_a_candidate_answers_retakes_and_completes_and_the_session_is_scored(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant, async_stage(), email="ana@example.com")
    session = await schedule(client, tenant, world, "one-way")
    token = token_of(session)
    page = await client.get(f"/join/{token}")
    assert page.status_code == 200
    assert "one-way interview" in page.text and "redo an answer 1 time" in page.text

    state = await ok(await client.post(f"/join/{token}/assessment/start", json={}, headers=ORIGIN))
    assert (state["phase"], state["position"], state["total"]) == ("ready", 0, 2)
    assert state["question"] is None  # not shown before the candidate asks for it
    assert (await session_of(client, tenant, session["id"]))["status"] == "in_progress"

    state = await ok(await step(client, token, state, "show"))
    assert state["phase"] == "answering"  # no preparation time on this stage
    assert state["question"] == QUESTIONS[0]["text"]
    first_try = await ok(await step(client, token, state, "answer", text="Um, let me think."))
    assert (first_try["phase"], first_try["retakes_left"]) == ("review", 1)
    state = await ok(await step(client, token, first_try, "retake"))
    assert (state["phase"], state["attempt"]) == ("answering", 1)

    stale = await step(client, token, first_try, "submit")  # the other tab still shows try 1
    assert stale.status_code == 409, stale.text
    assert stale.json()["code"] == "assessment_moved_on"
    assert stale.json()["state"]["attempt"] == 1

    # the last attempt allowed: the answer stands and the next question is ready
    state = await ok(await step(client, token, state, "answer", text=ANSWERS[0]))
    assert (state["phase"], state["position"], state["attempt"]) == ("ready", 1, 0)

    state = await ok(await step(client, token, state, "show"))
    state = await ok(await step(client, token, state, "answer", text=ANSWERS[1]))
    assert state["phase"] == "review"
    state = await ok(await step(client, token, state, "submit"))
    assert (state["phase"], state["status"]) == ("done", "completed")

    card = await scored(client, tenant, session["id"])
    assert card["status"] == "completed" and card["score"] is not None
    assert {d["name"] for d in card["evaluation_breakdown"]} >= {"System Design"}
    turns = (
        await client.get(f"/api/v1/sessions/{session['id']}/transcript", headers=tenant.headers)
    ).json()["data"]
    assert [(t["speaker"], t["text"]) for t in turns] == [
        ("ai", QUESTIONS[0]["text"]),
        ("participant", ANSWERS[0]),
        ("ai", QUESTIONS[1]["text"]),
        ("participant", ANSWERS[1]),
    ]
    assert await event_types(client, tenant, session["id"]) == [
        "session.completed",
        "session.created",
        "session.scored",
        "session.started",
    ]
    finished = await client.get(f"/join/{token}")
    assert "complete" in finished.text
    after = await step(client, token, state | {"position": 1, "attempt": 0}, "show")
    assert after.status_code == 409 and after.json()["code"] == "assessment_not_open"


async def test_the_clock_is_the_servers_and_an_expired_answer_time_closes_the_question(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    world = await pipeline(
        client, tenant, async_stage(prep_seconds=30, answer_seconds=60), email="bo@example.com"
    )
    session = await schedule(client, tenant, world, "one-way")
    token = token_of(session)
    state = await ok(await client.post(f"/join/{token}/assessment/start", json={}, headers=ORIGIN))
    state = await ok(await step(client, token, state, "show"))
    assert state["phase"] == "preparing" and 0 < state["seconds_left"] <= 30
    links = SessionLinks(settings.base_url, settings.secret_key)

    later = utcnow() + timedelta(seconds=31)  # preparation over: the answer time runs
    async with unit_of_work(database.sessionmaker) as db:
        seen = await assessments.current(db, token, links, later)
    assert seen["phase"] == "answering" and 0 < seen["seconds_left"] <= 60

    much_later = utcnow() + timedelta(seconds=30 + 60 + 10)  # answer time and grace over
    async with unit_of_work(database.sessionmaker) as db:
        seen = await assessments.current(db, token, links, much_later)
    assert (seen["phase"], seen["position"]) == ("ready", 1)
    turns = (
        await client.get(f"/api/v1/sessions/{session['id']}/transcript", headers=tenant.headers)
    ).json()["data"]
    assert [t["text"] for t in turns] == [QUESTIONS[0]["text"], NO_ANSWER]

    late = await step(client, token, state, "answer", text="too late")
    assert late.status_code == 409 and late.json()["code"] == "assessment_moved_on"


async def test_bad_steps_change_nothing(client: httpx.AsyncClient, tenant: Tenant) -> None:
    world = await pipeline(client, tenant, async_stage(retakes=0), email="cy@example.com")
    session = await schedule(client, tenant, world, "one-way")
    token = token_of(session)

    early = await client.post(
        f"/join/{token}/assessment/step",
        json={"action": "show", "position": 0, "attempt": 0},
        headers=ORIGIN,
    )
    assert early.status_code == 409 and early.json()["code"] == "assessment_not_open"
    foreign = await client.post(
        f"/join/{token}/assessment/start", headers={"origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert (await session_of(client, tenant, session["id"]))["status"] == "scheduled"

    state = await ok(await client.post(f"/join/{token}/assessment/start", json={}, headers=ORIGIN))
    wrong = await step(client, token, state, "submit")
    assert wrong.status_code == 409 and wrong.json()["code"] == "invalid_step"
    state = await ok(await step(client, token, state, "show"))
    empty = await step(client, token, state, "answer", text="   ")
    assert empty.status_code == 422
    unknown = await step(client, token, state, "skip")
    assert unknown.status_code == 422
    assert (await ok(await client.get(f"/join/{token}/assessment")))["phase"] == "answering"
    # no retakes on this stage: the first answer is submitted at once
    state = await ok(await step(client, token, state, "answer", text=ANSWERS[0]))
    assert (state["position"], state["phase"]) == (1, "ready")


async def test_other_modes_keep_to_their_own_pages(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    world = await pipeline(
        client,
        tenant,
        {"type": "screen", "stage_type": "ai_interview", "questions": QUESTIONS},
        async_stage(),
        email="di@example.com",
    )
    one_way = await schedule(client, tenant, world, "one-way")
    links = SessionLinks(settings.base_url, settings.secret_key)
    with pytest.raises(Conflict) as refused_live:  # what the live room's join asks
        async with unit_of_work(database.sessionmaker) as db:
            await sessions.join(db, token_of(one_way), links, utcnow())
    assert refused_live.value.code == "wrong_mode"
    assert (await session_of(client, tenant, one_way["id"]))["status"] == "scheduled"

    live = await schedule(client, tenant, world, "screen")
    refused = await client.post(f"/join/{token_of(live)}/assessment/start", json={}, headers=ORIGIN)
    assert refused.status_code == 409 and refused.json()["code"] == "wrong_mode"
    assert (await session_of(client, tenant, live["id"]))["status"] == "scheduled"
    page = await client.get(f"/join/{token_of(live)}")
    assert "AI interviewer" in page.text

    misplaced = await client.post(
        "/api/v1/evaluation-stages",
        json={
            "evaluation_template_id": world["template_id"],
            "type": "wrong",
            "stage_type": "ai_interview",
            "assessment": {"retakes": 2},
        },
        headers=tenant.headers,
    )
    assert misplaced.status_code == 422, misplaced.text
    stage = (
        await client.get(
            f"/api/v1/evaluation-stages/{world['stages']['one-way']}", headers=tenant.headers
        )
    ).json()["data"]
    assert stage["assessment"] == {
        "prep_seconds": 0,
        "answer_seconds": 120,
        "retakes": 1,
        "answer_kinds": ["text"],
        "speak_questions": False,
    }


async def test_two_tabs_racing_on_one_question_store_one_answer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant, async_stage(retakes=0), email="eli@example.com")
    session = await schedule(client, tenant, world, "one-way")
    token = token_of(session)
    state = await ok(await client.post(f"/join/{token}/assessment/start", json={}, headers=ORIGIN))
    state = await ok(await step(client, token, state, "show"))
    first, second = await asyncio.gather(
        step(client, token, state, "answer", text=ANSWERS[0]),
        step(client, token, state, "answer", text=ANSWERS[1]),
    )
    assert sorted((first.status_code, second.status_code)) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["code"] == "assessment_moved_on"
    turns = (
        await client.get(f"/api/v1/sessions/{session['id']}/transcript", headers=tenant.headers)
    ).json()["data"]
    assert [t["speaker"] for t in turns] == ["ai", "participant"]
    assert turns[1]["text"] in ANSWERS
