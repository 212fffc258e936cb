"""A stage's coding problem pool in the dashboard: added with a form, shown, deleted."""

from __future__ import annotations

import httpx
import pytest
from tests.conftest import Tenant
from tests.fixtures.world import build_world, created, session_body
from tests.web.conftest import csrf_token_in, unique_email
from tests.web.test_dashboard import PASSWORD, _login, add_user

from vivavoce.runtime import Database

ORIGIN = {"Origin": "http://testserver"}


def problem_form(token: str, **overrides: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "csrf_token": token,
        "title": "Reverse a string",
        "statement": "Write reverse(text) returning text backwards.",
        "entry": "reverse",
        "languages": ["python", "typescript"],
        "starter_python": "def reverse(text):\n    pass\n",
        "starter_typescript": "function reverse(text: string): string { return text; }",
        "visible_tests": '[{"name": "abc", "args": ["abc"], "expected": "cba"}]',
        "hidden_tests": '[{"args": [""], "expected": ""}, {"args": ["ab"], "expected": "ba"}]',
        "test_seconds": "1.5",
        "memory_mb": "128",
    }
    form.update(overrides)
    return form


async def test_a_recruiter_adds_and_deletes_a_problem_of_a_stage(
    client: httpx.AsyncClient, database: Database, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers, email=unique_email("coding"))
    stage_id = world.stage_ids["screen"]
    assert (
        await _login(client, await add_user(database, tenant, "admin"), PASSWORD)
    ).status_code == 303
    detail = await client.get(f"/dashboard/templates/{world.template_id}")
    base = f"/dashboard/templates/{world.template_id}/stages/{stage_id}/problems"
    assert base in detail.text
    page = await client.get(base)
    assert page.status_code == 200 and "No problems yet" in page.text
    added = await client.post(base, data=problem_form(csrf_token_in(page.text)), headers=ORIGIN)
    assert added.status_code == 303
    shown = await client.get(added.headers["location"])
    assert "Reverse a string" in shown.text and "1 visible, 2 hidden tests" in shown.text
    pool = await client.get(
        "/api/v1/coding-problems", params={"evaluation_stage_id": stage_id}, headers=tenant.headers
    )
    [problem] = pool.json()["data"]
    assert problem["languages"] == ["python", "typescript"]
    assert problem["limits"]["test_seconds"] == 1.5 and problem["limits"]["memory_mb"] == 128
    assert set(problem["starter_code"]) == {"python", "typescript"}
    deleted = await client.post(
        f"{base}/{problem['id']}/delete",
        data={"csrf_token": csrf_token_in(shown.text)},
        headers=ORIGIN,
    )
    assert deleted.status_code == 303
    assert "No problems yet" in (await client.get(base)).text


async def test_a_bad_problem_form_is_shown_again_with_its_errors(
    client: httpx.AsyncClient, database: Database, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers, email=unique_email("codingbad"))
    stage_id = world.stage_ids["screen"]
    assert (
        await _login(client, await add_user(database, tenant, "admin"), PASSWORD)
    ).status_code == 303
    base = f"/dashboard/templates/{world.template_id}/stages/{stage_id}/problems"
    token = csrf_token_in((await client.get(base)).text)
    bad_json = await client.post(
        base, data=problem_form(token, visible_tests="[{oops"), headers=ORIGIN
    )
    assert bad_json.status_code == 422 and "Not valid JSON" in bad_json.text
    assert "Reverse a string" in bad_json.text  # what was typed stays
    no_language = await client.post(base, data=problem_form(token, languages=[]), headers=ORIGIN)
    assert no_language.status_code == 422
    pool = await client.get(
        "/api/v1/coding-problems", params={"evaluation_stage_id": stage_id}, headers=tenant.headers
    )
    assert pool.json()["data"] == []


@pytest.mark.usefixtures("worker")
async def test_the_session_page_lists_its_code_runs_with_code_and_results(
    client: httpx.AsyncClient, database: Database, tenant: Tenant
) -> None:
    world = await build_world(client, tenant.headers, email=unique_email("codingruns"))
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    run = await client.post(
        "/api/v1/code-executions",
        json={
            "language": "python",
            "source": "def half(n):\n    return n // 3  # MARKER-CODE\n",
            "entry": "half",
            "tests": [{"name": "four", "args": [4], "expected": 2}],
            "session_id": session["id"],
        },
        headers=tenant.headers,
    )
    assert run.status_code == 201, run.text
    assert (
        await _login(client, await add_user(database, tenant, "admin"), PASSWORD)
    ).status_code == 303
    page = await client.get(f"/dashboard/sessions/{session['id']}")
    assert page.status_code == 200
    assert "Code runs" in page.text and "0/1 tests passed" in page.text
    assert "MARKER-CODE" in page.text and "expected <code>2</code>, got <code>1</code>" in page.text
