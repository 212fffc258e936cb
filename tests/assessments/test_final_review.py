"""The final review (`final_review`): a one-way screen auto-advances to it with no invite,
the hiring team records its decision once, in the template's vocabulary, with a reason;
the application closes, `application.decided` is delivered as a signed webhook, and bad or
repeated decisions change nothing."""

from __future__ import annotations

import asyncio
from typing import Any

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
from tests.conftest import Tenant
from tests.events.conftest import register
from tests.fixtures.receiver import Receiver

FINAL = {"type": "final", "stage_type": "final_review"}


async def decide(
    client: httpx.AsyncClient, tenant: Tenant, application_id: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/applications/{application_id}/decision", json=body, headers=tenant.headers
    )


@pytest.mark.usefixtures("worker")
async def test_a_screen_advances_to_the_final_review_and_the_decision_closes_the_application(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    await register(client, tenant, receiver, events=["application.decided"])
    world = await pipeline(
        client, tenant, {**async_stage(), "pass_threshold": 0}, FINAL, email="eve@example.com"
    )
    screen = await schedule(client, tenant, world, "one-way")
    assert await answer_all(client, token_of(screen), ANSWERS) == {
        "status": "completed",
        "total": 2,
        "position": 2,
        "attempt": 0,
        "phase": "done",
        "answer_kinds": ["text"],
        "speak_questions": False,
    }
    card = await scored(client, tenant, screen["id"])
    assert card["passed"] is True, card
    application = await application_of(client, tenant, world)
    if application["outcome"] == "awaiting_review":  # the scorer asked for a human look
        advanced = await client.post(
            f"/api/v1/applications/{application['id']}/advance", headers=tenant.headers
        )
        assert advanced.status_code == 200, advanced.text
    final = await next_session(client, tenant, world, "final")
    assert final["status"] == "scheduled"
    assert await emails_for(client, tenant, final["id"]) == []  # nothing for the candidate
    assert "invite" in await emails_for(client, tenant, screen["id"])
    page = await client.get(f"/join/{token_of(final)}")
    assert page.status_code == 404 and "Nothing to do here" in page.text

    unknown = await decide(client, tenant, application["id"], decision="admit", reason="ok")
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_decision"
    assert "hire, no_hire, hold" in unknown.text
    no_reason = await decide(client, tenant, application["id"], decision="hire")
    assert no_reason.status_code == 422
    reason = "Strong one-way screen; the team agreed on an offer."
    decided = await decide(client, tenant, application["id"], decision="hire", reason=reason)
    assert decided.status_code == 200, decided.text
    view = decided.json()["data"]
    assert view["outcome"] == "passed"
    assert view["final_decision"]["decision"] == "hire"
    assert view["final_decision"]["reason"] == reason
    assert view["final_decision"]["decided_by"].startswith("API key")

    closed = await session_of(client, tenant, final["id"])
    assert (closed["status"], closed["passed"], closed["recommendation"]) == (
        "completed",
        True,
        "hire",
    )
    assert await event_types(client, tenant, final["id"]) == [
        "session.completed",
        "session.created",
        "session.scored",
        "session.started",
    ]
    again = await decide(client, tenant, application["id"], decision="no_hire", reason="no")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    assert (await application_of(client, tenant, world))["final_decision"]["decision"] == "hire"

    await receiver.wait_for(lambda r: len(r.received) == 1)
    [hook] = receiver.received
    assert hook.verified_by
    assert hook.payload["event"] == "application.decided"
    assert hook.payload["data"]["application"]["final_decision"]["decision"] == "hire"
    retry = await client.post(
        "/api/v1/sessions",
        json={
            "candidate_id": world["participant_id"],
            "evaluation_template_id": world["template_id"],
            "stage": "one-way",
        },
        headers=tenant.headers,
    )
    assert retry.status_code == 409 and retry.json()["code"] == "application_closed"


async def test_a_decision_needs_an_open_final_review_and_is_taken_once_under_a_race(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant, async_stage(), FINAL, email="fay@example.com")
    await schedule(client, tenant, world, "one-way")
    application = await application_of(client, tenant, world)
    early = await decide(client, tenant, application["id"], decision="hold", reason="wait")
    assert early.status_code == 409 and early.json()["code"] == "not_at_final_review"

    final = await schedule(client, tenant, world, "final")  # a recruiter skips ahead by hand
    assert await emails_for(client, tenant, final["id"]) == []
    racing = await asyncio.gather(
        *(
            decide(client, tenant, application["id"], decision=d, reason=f"{d} it")
            for d in ("hold", "no_hire", "hire")
        )
    )
    assert sorted(r.status_code for r in racing) == [200, 409, 409]
    [won] = [r.json()["data"] for r in racing if r.status_code == 200]
    expected = {"hold": "on_hold", "no_hire": "not_passed", "hire": "passed"}
    assert won["outcome"] == expected[won["final_decision"]["decision"]]
    listed = await client.get(
        f"/api/v1/applications?outcome={won['outcome']}&candidate_id={world['participant_id']}",
        headers=tenant.headers,
    )
    assert [a["id"] for a in listed.json()["data"]] == [application["id"]]
    assert (await session_of(client, tenant, final["id"]))["status"] == "completed"
