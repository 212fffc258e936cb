"""POST /api/v1/code-executions through a real worker and the real sandbox."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.fixtures.world import build_world, created, session_body

pytestmark = pytest.mark.usefixtures("worker")

SQUARE = "def square(n):\n    print('squaring', n)\n    return n * n\n"


def body(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "language": "python",
        "source": SQUARE,
        "entry": "square",
        "tests": [
            {"name": "two", "args": [2], "expected": 4},
            {"name": "wrong on purpose", "args": [3], "expected": 10},
        ],
    }
    base.update(overrides)
    return base


async def test_a_run_answers_with_per_test_results_output_time_and_memory(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post("/api/v1/code-executions", json=body(), headers=tenant.headers)
    assert response.status_code == 201, response.text
    execution = response.json()["data"]
    assert response.headers["location"] == f"/api/v1/code-executions/{execution['id']}"
    assert execution["status"] == "completed"
    assert [r["status"] for r in execution["results"]] == ["passed", "failed"]
    failed = execution["results"][1]
    assert (
        failed["expected"] == 10 and failed["actual"] == 9 and failed["name"] == "wrong on purpose"
    )
    assert execution["passed"] == 1 and execution["total"] == 2
    assert execution["source"] == SQUARE.strip()  # bodies are stripped, as everywhere
    assert execution["stdout"] == "squaring 2\nsquaring 3\n"
    assert execution["time_ms"] > 0 and execution["memory_kb"] > 0
    again = await client.get(f"/api/v1/code-executions/{execution['id']}", headers=tenant.headers)
    assert again.json()["data"] == execution


@pytest.mark.parametrize(
    ("language", "source"),
    [
        ("javascript", "function square(n) { console.log('squaring', n); return n * n; }"),
        ("typescript", "function square(n: number): number { return n * n; }"),
    ],
)
async def test_javascript_and_typescript_run_the_same_tests(
    client: httpx.AsyncClient, tenant: Tenant, language: str, source: str
) -> None:
    response = await client.post(
        "/api/v1/code-executions",
        json=body(language=language, source=source),
        headers=tenant.headers,
    )
    execution = response.json()["data"]
    assert [r["status"] for r in execution["results"]] == ["passed", "failed"]


async def test_a_typescript_syntax_error_is_reported_on_every_test(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    source = "function square(n: number): number { return n * ; }"
    response = await client.post(
        "/api/v1/code-executions",
        json=body(language="typescript", source=source),
        headers=tenant.headers,
    )
    execution = response.json()["data"]
    assert [r["status"] for r in execution["results"]] == ["error", "error"]
    assert "solution.ts:1:" in execution["error"]


async def test_an_infinite_loop_is_a_timeout_and_the_other_tests_still_run(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    source = "def square(n):\n    while n == 3:\n        pass\n    return n * n\n"
    payload = body(source=source, limits={"test_seconds": 1})
    response = await client.post("/api/v1/code-executions", json=payload, headers=tenant.headers)
    execution = response.json()["data"]
    assert [r["status"] for r in execution["results"]] == ["passed", "timeout"]
    assert execution["limits"]["test_seconds"] == 1


async def test_without_waiting_the_run_is_queued_then_finished(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/v1/code-executions", json=body(wait=False), headers=tenant.headers
    )
    assert response.status_code == 202
    assert response.json()["data"]["status"] in ("queued", "running")
    location = response.headers["location"]
    for _ in range(300):
        execution = (await client.get(location, headers=tenant.headers)).json()["data"]
        if execution["status"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.1)
    assert execution["status"] == "completed"
    assert execution["passed"] == 1


async def test_runs_belong_to_the_workspace_and_to_the_session(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    response = await client.post(
        "/api/v1/code-executions", json=body(session_id=session["id"]), headers=tenant.headers
    )
    execution = response.json()["data"]
    assert execution["session_id"] == session["id"]
    listed = await client.get(
        "/api/v1/code-executions", params={"session_id": session["id"]}, headers=tenant.headers
    )
    assert [e["id"] for e in listed.json()["data"]] == [execution["id"]]
    foreign = await client.get(
        f"/api/v1/code-executions/{execution['id']}", headers=other_tenant.headers
    )
    assert foreign.status_code == 404
    foreign_session = await client.post(
        "/api/v1/code-executions", json=body(session_id=session["id"]), headers=other_tenant.headers
    )
    assert foreign_session.status_code == 404
    foreign_list = await client.get(
        "/api/v1/code-executions",
        params={"session_id": session["id"]},
        headers=other_tenant.headers,
    )
    assert foreign_list.status_code == 404


@pytest.mark.parametrize(
    "bad",
    [
        {"language": "ruby"},
        {"entry": None},
        {"entry": "not a name"},
        {"tests": []},
        {"problem_id": "0190f1d2-7a3b-7c4d-8e5f-000000000001"},  # with tests too
        {"source": "x" * 64_001},
        {"limits": {"memory_mb": 100_000}},
        {"source": "bad\u0000"},
    ],
)
async def test_bad_input_is_a_422_and_queues_nothing(
    client: httpx.AsyncClient, tenant: Tenant, bad: dict[str, Any]
) -> None:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    response = await client.post(
        "/api/v1/code-executions",
        json=body(session_id=session["id"], **bad),
        headers=tenant.headers,
    )
    assert response.status_code == 422, response.text
    listed = await client.get(
        "/api/v1/code-executions", params={"session_id": session["id"]}, headers=tenant.headers
    )
    assert listed.json()["data"] == []


async def test_running_code_needs_the_interviews_write_scope(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    reader = await tenant.key_with("interviews.read")
    response = await client.post("/api/v1/code-executions", json=body(), headers=reader)
    assert response.status_code == 403


async def test_erasing_the_participant_erases_their_code_and_keeps_the_outcomes(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    response = await client.post(
        "/api/v1/code-executions", json=body(session_id=session["id"]), headers=tenant.headers
    )
    execution = response.json()["data"]
    purged = await client.delete(
        f"/api/v1/participants/{world.participant_id}",
        params={"purge": "true"},
        headers=tenant.headers,
    )
    assert purged.status_code == 200, purged.text
    erased = await client.get(f"/api/v1/code-executions/{execution['id']}", headers=tenant.headers)
    data = erased.json()["data"]
    assert data["stdout"] is None and data["source"] == "" and "squaring" not in erased.text
    assert [r["status"] for r in data["results"]] == ["passed", "failed"]
    assert data["results"][1]["actual"] is None and data["passed"] == 1


async def test_values_and_output_postgresql_cannot_hold_are_stored_replaced(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    source = (
        "def square(n):\n"
        "    print('nul:\\x00:')\n"
        "    return {'nul': 'a\\x00b', 'nan': float('nan'), 'lone': '\\ud800'}\n"
    )
    response = await client.post(
        "/api/v1/code-executions", json=body(source=source), headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    execution = response.json()["data"]
    actual = execution["results"][0]["actual"]
    assert actual["nul"] == "a\ufffdb" and actual["nan"] == "nan"
    assert set(actual["lone"]) == {"\ufffd"}
    assert execution["stdout"].startswith("nul:\ufffd:")


async def test_nan_and_infinity_in_a_test_are_a_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for number in ("NaN", "Infinity"):
        raw = (
            '{"language": "python", "source": "def f(x):\\n    return x", "entry": "f", '
            '"tests": [{"args": [1], "expected": ' + number + "}]}"
        )
        response = await client.post(
            "/api/v1/code-executions",
            content=raw,
            headers={**tenant.headers, "content-type": "application/json"},
        )
        assert response.status_code == 422, response.text
