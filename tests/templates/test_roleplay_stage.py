"""A role-play stage's scenario through the API: stored and returned as typed fields,
required on (and only on) `roleplay_simulation` stages, and bad scenarios are clear 422s
that change nothing."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tests.assessments.modes import pipeline
from tests.conftest import Tenant
from tests.fixtures.payloads import evaluation_stage
from tests.fixtures.roleplay import SALES, SUPPORT
from tests.templates.test_stages import STAGES, issue_paths, new_stage, new_template
from vivavoce.kit.db import unit_of_work
from vivavoce.models import EvaluationStage
from vivavoce.runtime import Database


def without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    target = changed
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return changed


def changed(data: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    result = copy.deepcopy(data)
    target: Any = result
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return result


async def test_a_scenario_is_stored_with_its_defaults_and_returned(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    stage = await new_stage(
        client, tenant, template_id, type="call", stage_type="roleplay_simulation", roleplay=SALES
    )
    scenario = stage["roleplay"]
    assert scenario["character"]["name"] == "Marco Reyes"
    assert [o["id"] for o in scenario["objections"]] == ["price", "switching"]
    assert scenario["reactions"]["dismissive"] == -30  # given
    assert scenario["reactions"]["empathy"] == 10  # the default
    assert scenario["ending"] == {
        "max_turns": 10,
        "gives_up_at": 15,
        "satisfied_line": None,
        "gives_up_line": None,
    }
    read = await client.get(f"{STAGES}/{stage['id']}", headers=tenant.headers)
    assert read.json()["data"]["roleplay"] == scenario
    interview = await new_stage(client, tenant, template_id, type="screen")
    assert interview["roleplay"] is None


BAD_SCENARIOS = [
    (without(SUPPORT, "character"), ["body", "roleplay", "character"]),
    (without(SUPPORT, "candidate", "brief"), ["body", "roleplay", "candidate", "brief"]),
    (changed(SUPPORT, [], "goals"), ["body", "roleplay", "goals"]),
    (changed(SUPPORT, [], "goals", 0, "met_by"), ["body", "roleplay", "goals", 0, "met_by"]),
    (changed(SUPPORT, "Has Spaces", "goals", 0, "id"), ["body", "roleplay", "goals", 0, "id"]),
    (changed(SUPPORT, 150, "reactions", "patience"), ["body", "roleplay", "reactions", "patience"]),
    (changed(SUPPORT, 5, "reactions", "vague"), ["body", "roleplay", "reactions", "vague"]),
    (changed(SUPPORT, 1, "ending", "max_turns"), ["body", "roleplay", "ending", "max_turns"]),
    (changed(SUPPORT, "yes", "mood"), ["body", "roleplay", "mood"]),
]


@pytest.mark.parametrize(("scenario", "path"), BAD_SCENARIOS)
async def test_a_malformed_scenario_is_422_naming_the_field(
    client: httpx.AsyncClient, tenant: Tenant, scenario: dict[str, Any], path: list[Any]
) -> None:
    template_id = await new_template(client, tenant)
    body = evaluation_stage(
        template_id, type="call", stage_type="roleplay_simulation", roleplay=scenario
    )
    response = await client.post(STAGES, json=body, headers=tenant.headers)
    assert response.status_code == 422, response.text
    assert path in issue_paths(response)
    listed = await client.get(
        f"{STAGES}?evaluation_template_id={template_id}", headers=tenant.headers
    )
    assert listed.json()["data"] == []


async def test_a_scenario_that_contradicts_itself_is_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    twice = changed(SALES, "price", "goals", 0, "id")
    hopeless = changed(SUPPORT, 60, "ending", "gives_up_at")
    for scenario, words in ((twice, "unique: price"), (hopeless, "gives_up_at")):
        body = evaluation_stage(
            template_id, type="call", stage_type="roleplay_simulation", roleplay=scenario
        )
        response = await client.post(STAGES, json=body, headers=tenant.headers)
        assert response.status_code == 422, response.text
        assert words in response.text


async def test_the_scenario_is_required_on_a_roleplay_stage_and_refused_elsewhere(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    missing = evaluation_stage(template_id, type="call", stage_type="roleplay_simulation")
    response = await client.post(STAGES, json=missing, headers=tenant.headers)
    assert response.status_code == 422 and ["body", "roleplay"] in issue_paths(response)
    elsewhere = evaluation_stage(template_id, type="screen", roleplay=SUPPORT)
    response = await client.post(
        STAGES, json={**elsewhere, "stage_type": "ai_interview"}, headers=tenant.headers
    )
    assert response.status_code == 422


async def test_an_update_keeps_a_roleplay_stage_with_a_scenario(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template_id = await new_template(client, tenant)
    stage = await new_stage(
        client, tenant, template_id, type="call", stage_type="roleplay_simulation", roleplay=SALES
    )
    url = f"{STAGES}/{stage['id']}"
    cleared = await client.patch(url, json={"roleplay": None}, headers=tenant.headers)
    assert cleared.status_code == 422 and ["body", "roleplay"] in issue_paths(cleared)
    screen = await new_stage(client, tenant, template_id, type="screen")
    turned = await client.patch(
        f"{STAGES}/{screen['id']}",
        json={"stage_type": "roleplay_simulation"},
        headers=tenant.headers,
    )
    assert turned.status_code == 422
    swapped = await client.patch(url, json={"roleplay": SUPPORT}, headers=tenant.headers)
    assert swapped.status_code == 200, swapped.text
    assert swapped.json()["data"]["roleplay"]["character"]["name"] == "Dana Whitfield"
    read = await client.get(f"{STAGES}/{screen['id']}", headers=tenant.headers)
    assert read.json()["data"]["stage_type"] == "ai_interview"  # the refused update changed nothing


async def test_a_roleplay_stage_stored_without_a_scenario_is_refused_when_scheduling(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    stage = {"type": "call", "stage_type": "roleplay_simulation", "roleplay": SUPPORT}
    world = await pipeline(client, tenant, stage, email="old-stage@example.com")
    async with unit_of_work(database.sessionmaker) as db:  # as a stage stored before scenarios
        await db.execute(
            update(EvaluationStage)
            .where(EvaluationStage.id == uuid.UUID(world["stages"]["call"]))
            .values(mode_settings={})
        )
    body = {
        "candidate_id": world["participant_id"],
        "evaluation_template_id": world["template_id"],
        "stage": "call",
    }
    response = await client.post("/api/v1/sessions", json=body, headers=tenant.headers)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "scenario_missing"
    listed = await client.get("/api/v1/sessions", headers=tenant.headers)
    assert listed.json()["data"] == []
