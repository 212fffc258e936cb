"""Practice sessions (`practice_session`): the candidate's rehearsal is scored for their own
feedback, never passed or failed, moves no application, and keeps its transcript private
unless the stage shares it; the feedback reads in plain words."""

from __future__ import annotations

import httpx
import pytest

from tests.assessments.modes import (
    application_of,
    pipeline,
    schedule,
    scored,
    session_of,
    token_of,
)
from tests.conftest import Tenant
from tests.scoring.pipeline import interview
from vivavoce.config import Settings
from vivavoce.runtime import Database
from vivavoce.scoring.practice_feedback import candidate_feedback

ANSWERS = [
    "I built an order pipeline on Kafka with an outbox table in PostgreSQL and idempotent "
    "consumers; when a consumer crashed we replayed from the last committed offset and never "
    "double-shipped. It handled 3,000 orders a minute at peak.",
    "I don't know.",
    "I would say it is scalable and robust and best-in-class, leveraging synergies.",
]


def practice_stage(**settings: object) -> dict[str, object]:
    body: dict[str, object] = {"type": "rehearsal", "stage_type": "practice_session"}
    if settings:
        body["practice"] = settings
    return body


@pytest.mark.usefixtures("worker")
async def test_a_rehearsal_gets_feedback_but_no_verdict_and_moves_nothing(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    screen = {"type": "screen", "stage_type": "ai_interview"}
    world = await pipeline(client, tenant, practice_stage(), screen, email="ida@example.com")
    session = await schedule(client, tenant, world, "rehearsal")
    page = await client.get(f"/join/{token_of(session)}")
    assert "practice session" in page.text and "nothing is passed or failed" in page.text

    await interview(database, settings, tenant, session, ANSWERS)
    card = await scored(client, tenant, session["id"])
    assert (card["score"], card["passed"], card["recommendation"]) == (None, None, None)
    assert card["needs_human_review"] is False
    assert card["evaluation_breakdown"] and all(
        d["passed"] is None and d["feedback"] for d in card["evaluation_breakdown"]
    )
    application = await application_of(client, tenant, world)
    assert application["outcome"] == "in_progress"  # nothing passed, nothing failed
    rollup = {s["stage"]: s["latest_session_id"] for s in application["stages"]}
    assert rollup["rehearsal"] == session["id"] and rollup["screen"] is None  # no advance

    feedback = await client.get(f"/join/{token_of(session)}")
    assert feedback.status_code == 200
    assert "Your practice feedback" in feedback.text and "What to work on" in feedback.text
    assert "System Design" in feedback.text
    private = await client.get(
        f"/api/v1/sessions/{session['id']}/transcript", headers=tenant.headers
    )
    assert private.status_code == 403 and private.json()["code"] == "transcript_private"
    events = await client.get(f"/api/v1/sessions/{session['id']}/events", headers=tenant.headers)
    assert {e["event"] for e in events.json()["data"]} >= {"session.completed", "session.scored"}


async def test_a_shared_practice_transcript_is_readable_and_settings_are_checked(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    world = await pipeline(
        client, tenant, practice_stage(share_transcript=True), email="jo@example.com"
    )
    session = await schedule(client, tenant, world, "rehearsal")
    await interview(database, settings, tenant, session, ANSWERS[:1])
    shared = await client.get(
        f"/api/v1/sessions/{session['id']}/transcript", headers=tenant.headers
    )
    assert shared.status_code == 200 and len(shared.json()["data"]) == 5
    stage = (
        await client.get(
            f"/api/v1/evaluation-stages/{world['stages']['rehearsal']}", headers=tenant.headers
        )
    ).json()["data"]
    assert stage["practice"] == {"share_transcript": True} and stage["assessment"] is None
    wrong = await client.post(
        "/api/v1/evaluation-stages",
        json={
            "evaluation_template_id": world["template_id"],
            "type": "x",
            "practice": {"share_transcript": True},
        },
        headers=tenant.headers,
    )
    assert wrong.status_code == 422
    assert (await session_of(client, tenant, session["id"]))["status"] == "completed"


def test_feedback_speaks_to_the_candidate_in_plain_words() -> None:
    strong, weak, missing = candidate_feedback(
        [
            {
                "name": "System Design",
                "score": 8.2,
                "feedback": "1 answer informed System Design. Concrete details given: Kafka, "
                "outbox. ",
                "citations": [{"turn": 3, "quote": "an outbox table in PostgreSQL"}],
                "evidence_turns": [3],
            },
            {
                "name": "Communication",
                "score": 4.5,
                "feedback": "Gaps: turn 5 said they did not know; turn 7 leans on generic "
                "phrases ('synergies') without specifics.",
                "citations": [],
                "evidence_turns": [5, 7],
            },
            {"name": "Leadership", "score": 1.0, "feedback": "", "citations": []},
        ]
    )
    assert (strong.level, weak.level, missing.level) == ("strength", "developing", "focus")
    assert strong.went_well[0] == "This counted: “an outbox table in PostgreSQL”"
    assert "Kafka, outbox" in strong.went_well[1] and strong.to_improve == ()
    assert len(weak.to_improve) == 2 and "find out" in weak.to_improve[0]
    assert "concrete example" in weak.to_improve[1]
    assert "None of your answers showed Leadership" in missing.to_improve[0]
    assert not any("turn" in line for d in (strong, weak, missing) for line in d.to_improve)
