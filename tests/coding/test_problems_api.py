"""A stage's problem pool over the API, the problem a session draws, and runs of it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.world import World, build_world, created, session_body

pytestmark = pytest.mark.usefixtures("worker")

SOLUTION = "def add(a, b):\n    return a + b\n"


def problem(stage_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "evaluation_stage_id": stage_id,
        "title": "Add two numbers",
        "statement": "Write `add(a, b)` returning the sum.",
        "entry": "add",
        "languages": ["python", "javascript"],
        "starter_code": {
            "python": "def add(a, b):\n    pass\n",
            "javascript": "function add(a, b) {}",
        },
        "visible_tests": [{"name": "small", "args": [1, 2], "expected": 3}],
        "hidden_tests": [
            {"name": "negative", "args": [-5, 2], "expected": -3},
            {"name": "large", "args": [10**12, 1], "expected": 10**12 + 1},
        ],
        "limits": {"test_seconds": 1},
    }
    body.update(overrides)
    return body


async def add_problem(
    client: httpx.AsyncClient, tenant: Tenant, stage_id: str, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/coding-problems", json=problem(stage_id, **extra), headers=tenant.headers
    )
    return await created(response)


async def new_session(client: httpx.AsyncClient, tenant: Tenant, world: World) -> dict[str, Any]:
    return await created(
        await client.post(
            "/api/v1/sessions", json=session_body(world, force=True), headers=tenant.headers
        )
    )


async def test_a_problem_is_added_listed_read_replaced_and_deleted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    stage_id = world.stage_ids["screen"]
    made = await add_problem(client, tenant, stage_id)
    assert made["hidden_test_count"] == 2 and len(made["hidden_tests"]) == 2
    assert made["limits"]["test_seconds"] == 1 and made["limits"]["memory_mb"] == 256
    listed = await client.get(
        "/api/v1/coding-problems",
        params={"evaluation_stage_id": stage_id},
        headers=tenant.headers,
    )
    assert [p["id"] for p in listed.json()["data"]] == [made["id"]]
    updated = await client.patch(
        f"/api/v1/coding-problems/{made['id']}", json={"title": "Sum"}, headers=tenant.headers
    )
    assert updated.status_code == 200 and updated.json()["data"]["title"] == "Sum"
    assert updated.json()["data"]["hidden_test_count"] == 2  # the rest kept
    broken = await client.patch(
        f"/api/v1/coding-problems/{made['id']}",
        json={"languages": ["typescript"]},  # the starter code is for python and javascript
        headers=tenant.headers,
    )
    assert broken.status_code == 422, broken.text
    kept = await client.get(f"/api/v1/coding-problems/{made['id']}", headers=tenant.headers)
    assert kept.json()["data"]["languages"] == ["python", "javascript"]
    deleted = await client.delete(f"/api/v1/coding-problems/{made['id']}", headers=tenant.headers)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/v1/coding-problems/{made['id']}", headers=tenant.headers)
    assert gone.status_code == 404


@pytest.mark.parametrize(
    "bad",
    [
        {"languages": []},
        {"languages": ["python", "python"]},
        {"languages": ["cobol"]},
        {"starter_code": {"typescript": "x"}},  # not an allowed language
        {"visible_tests": []},
        {"entry": "1add"},
        {"limits": {"test_seconds": 60}},
        {"title": ""},
    ],
)
async def test_a_bad_problem_is_a_422_and_nothing_is_added(
    client: httpx.AsyncClient, tenant: Tenant, bad: dict[str, Any]
) -> None:
    world = await build_world(client, tenant.headers)
    stage_id = world.stage_ids["screen"]
    response = await client.post(
        "/api/v1/coding-problems", json=problem(stage_id, **bad), headers=tenant.headers
    )
    assert response.status_code == 422, response.text
    listed = await client.get(
        "/api/v1/coding-problems",
        params={"evaluation_stage_id": stage_id},
        headers=tenant.headers,
    )
    assert listed.json()["data"] == []


async def test_another_workspace_cannot_see_or_use_the_pool(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    stage_id = world.stage_ids["screen"]
    made = await add_problem(client, tenant, stage_id)
    assert (
        await client.post(
            "/api/v1/coding-problems", json=problem(stage_id), headers=other_tenant.headers
        )
    ).status_code == 404
    path = f"/api/v1/coding-problems/{made['id']}"
    assert (await client.get(path, headers=other_tenant.headers)).status_code == 404
    assert (await client.delete(path, headers=other_tenant.headers)).status_code == 404
    run = await client.post(
        "/api/v1/code-executions",
        json={"language": "python", "source": SOLUTION, "problem_id": made["id"]},
        headers=other_tenant.headers,
    )
    assert run.status_code == 404


async def test_a_session_draws_one_problem_and_keeps_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    stage_id = world.stage_ids["screen"]
    for title in ("One", "Two", "Three"):
        await add_problem(client, tenant, stage_id, title=title)
    session = await new_session(client, tenant, world)
    path = f"/api/v1/sessions/{session['id']}/coding-problem"
    draws = await asyncio.gather(*[client.get(path, headers=tenant.headers) for _ in range(5)])
    assert {d.json()["data"]["id"] for d in draws} == {draws[0].json()["data"]["id"]}
    await add_problem(client, tenant, stage_id, title="Four")
    again = await client.get(path, headers=tenant.headers)
    assert again.json()["data"]["id"] == draws[0].json()["data"]["id"]


async def test_a_stage_without_problems_has_no_coding_problem(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    session = await new_session(client, tenant, world)
    response = await client.get(
        f"/api/v1/sessions/{session['id']}/coding-problem", headers=tenant.headers
    )
    assert response.status_code == 404
    assert response.json()["code"] == "no_coding_problem"


async def test_run_uses_the_visible_tests_and_submit_the_hidden_ones_too(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    made = await add_problem(client, tenant, world.stage_ids["screen"])
    wrong_on_negatives = "def add(a, b):\n    return abs(a) + b\n"
    runs = {}
    for mode in ("run", "submit"):
        response = await client.post(
            "/api/v1/code-executions",
            json={
                "language": "python",
                "source": wrong_on_negatives,
                "problem_id": made["id"],
                "mode": mode,
            },
            headers=tenant.headers,
        )
        runs[mode] = response.json()["data"]
    assert runs["run"]["total"] == 1 and runs["run"]["passed"] == 1
    assert runs["run"]["hidden_total"] == 0
    submit = runs["submit"]
    assert submit["total"] == 3 and submit["hidden_total"] == 2 and submit["hidden_passed"] == 1
    assert [r["hidden"] for r in submit["results"]] == [False, True, True]
    assert submit["limits"]["test_seconds"] == 1
    refused = await client.post(
        "/api/v1/code-executions",
        json={"language": "typescript", "source": "x", "problem_id": made["id"]},
        headers=tenant.headers,
    )
    assert refused.status_code == 422
