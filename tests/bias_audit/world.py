"""A template whose candidates are scored by a reviewer (a `manual_review` stage, so each
scorecard is real and immediate) and who answered the self-identification as told."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests.assessments.modes import pipeline
from tests.conftest import Tenant
from tests.fixtures.world import add_participant, created
from vivavoce.bias_audit import service as bias_audit
from vivavoce.bias_audit.questions import Answers
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database

PANEL = {
    "type": "panel",
    "stage_type": "manual_review",
    "pass_threshold": 50,
    "automation_rule": "auto_advance",
}
ONSITE = {"type": "onsite", "stage_type": "manual_review", "pass_threshold": 50}


def scores(value: float) -> list[dict[str, Any]]:
    return [
        {"dimension_id": "system_design", "score": value, "notes": "Seen in the panel."},
        {"dimension_id": "communication", "score": value, "notes": "Seen in the panel."},
    ]


@dataclass(frozen=True)
class Candidate:
    answers: Answers
    advance: bool  # the reviewer's decision
    score: float


async def review_panel(
    client: httpx.AsyncClient, tenant: Tenant, template_id: str, person: str, who: Candidate
) -> dict[str, Any]:
    session = await created(
        await client.post(
            "/api/v1/sessions",
            json={"candidate_id": person, "evaluation_template_id": template_id, "stage": "panel"},
            headers=tenant.headers,
        )
    )
    started = await client.post(
        f"/api/v1/sessions/{session['id']}/manual-review/start", headers=tenant.headers
    )
    assert started.status_code == 200, started.text
    decision = "advance" if who.advance else "reject"
    done = await client.post(
        f"/api/v1/sessions/{session['id']}/manual-review",
        json={"dimensions": scores(who.score), "decision": decision},
        headers=tenant.headers,
    )
    assert done.status_code == 200, done.text
    card: dict[str, Any] = done.json()["data"]
    return card


async def audited_template(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, people: list[Candidate]
) -> dict[str, Any]:
    """The template id and, per candidate, their participant id."""
    world = await pipeline(
        client, tenant, PANEL, ONSITE, email=f"first-{uuid.uuid4().hex[:8]}@example.com"
    )
    ids = []
    for number, who in enumerate(people):
        email = f"c{number}-{uuid.uuid4().hex[:8]}@example.com"
        person = await add_participant(client, tenant.headers, world["template_id"], email)
        if not who.answers.empty:
            async with unit_of_work(database.sessionmaker) as db:
                await bias_audit.record_for_participant(
                    db, tenant.id, uuid.UUID(person), who.answers, bias_audit.JOIN_PAGE, utcnow()
                )
        await review_panel(client, tenant, world["template_id"], person, who)
        ids.append(person)
    return {"template_id": world["template_id"], "participants": ids}
