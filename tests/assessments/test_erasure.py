"""A deletion request erases what the modes keep about a person: a one-way answer saved
but not submitted, the name in the assessment's plan, and the final decision's reason."""

from __future__ import annotations

import httpx
import pytest

from tests.assessments.modes import ORIGIN, application_of, pipeline, schedule, token_of
from tests.assessments.test_async_assessment import async_stage
from tests.assessments.test_final_review import FINAL, decide
from tests.conftest import Tenant
from tests.privacy.test_purge import tables_holding
from vivavoce.runtime import Database

NAME = "Zebulon Quartermaine"


@pytest.mark.usefixtures("worker")
async def test_a_purge_erases_drafts_plans_and_decision_reasons(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await pipeline(client, tenant, async_stage(), FINAL, email="zq@example.org")
    renamed = await client.patch(
        f"/api/v1/participants/{world['participant_id']}",
        json={"name": NAME},
        headers=tenant.headers,
    )
    assert renamed.status_code == 200, renamed.text
    session = await schedule(client, tenant, world, "one-way")
    token = token_of(session)
    started = await client.post(f"/join/{token}/assessment/start", json={}, headers=ORIGIN)
    assert started.status_code == 200, started.text
    (
        await client.post(
            f"/join/{token}/assessment/step",
            json={"action": "show", "position": 0, "attempt": 0},
            headers=ORIGIN,
        )
    ).json()["data"]
    saved = await client.post(
        f"/join/{token}/assessment/step",
        json={"action": "answer", "position": 0, "attempt": 0, "text": f"I am {NAME}."},
        headers=ORIGIN,
    )
    assert saved.json()["data"]["phase"] == "review"  # kept, not yet submitted
    await schedule(client, tenant, world, "final")
    application = await application_of(client, tenant, world)
    reason = f"We hire {NAME} for the night shift."
    assert (
        await decide(client, tenant, application["id"], decision="hire", reason=reason)
    ).is_success
    before = await tables_holding(database, "Quartermaine")
    assert "assessment_progress.draft" in before
    assert "template_applications.final_reason" in before
    assert "assessment_progress.plan" in await tables_holding(database, "Zebulon")
    assert "sessions.ai_feedback" in before  # the decision's reason, on its session

    purged = await client.delete(
        f"/api/v1/participants/{world['participant_id']}?purge=true", headers=tenant.headers
    )
    assert purged.status_code == 200, purged.text
    assert await tables_holding(database, "Quartermaine") == []
    assert await tables_holding(database, "Zebulon") == []
