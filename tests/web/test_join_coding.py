"""The coding pane in headless Chromium: the candidate reads the problem, edits in the
vendored CodeMirror, runs the visible tests, submits, and pastes; runs and signals are kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect
from tests.conftest import Tenant
from tests.web.conftest import Site
from tests.web.test_join import new_session
from tests.web.test_join_signals import signals_until

SHOTS = Path(__file__).resolve().parents[1] / ".screenshots" / "join"  # ignored by git
PROBLEM: dict[str, Any] = {
    "title": "Sum of a list",
    "statement": "Write total(numbers) returning the sum of the numbers.",
    "entry": "total",
    "languages": ["python", "javascript"],
    "starter_code": {
        "python": "def total(numbers):\n    return 0\n",
        "javascript": "function total(numbers) {\n  return 0;\n}\n",
    },
    "visible_tests": [
        {"name": "three numbers", "args": [[1, 2, 3]], "expected": 6},
        {"name": "empty", "args": [[]], "expected": 0},
    ],
    "hidden_tests": [
        {"name": "SECRET-negative", "args": [[-4, 1]], "expected": -3},
        {"name": "SECRET-large", "args": [[10**9, 10**9]], "expected": 2 * 10**9},
    ],
    "limits": {"test_seconds": 2},
}
PASTED_JS = "function total(ns) { return ns.reduce((a, b) => a + b, 0); }"
SET_CODE = """code => document.querySelector(".CodeMirror").CodeMirror.setValue(code)"""
PASTE_CODE = """code => document.querySelector(".CodeMirror").CodeMirror.replaceSelection(code, "end", "paste")"""


async def test_a_candidate_runs_and_submits_code_beside_the_conversation(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page
) -> None:
    session = await new_session(api, tenant)
    added = await api.post(
        "/api/v1/coding-problems",
        json={**PROBLEM, "evaluation_stage_id": session["evaluation_stage_id"]},
        headers=tenant.headers,
    )
    assert added.status_code == 201, added.text
    page = js_page
    await page.goto(session["join_url"])
    await page.get_by_role("button", name="I understand, start the interview").click()
    await expect(page.locator("li.turn-ai[data-index]")).to_have_count(1)
    pane = page.locator("#code-pane")
    await expect(pane.get_by_role("heading", name="Sum of a list")).to_be_visible()
    await expect(pane.locator(".CodeMirror")).to_be_visible()  # the vendored editor
    await expect(pane.locator(".CodeMirror .cm-keyword").first).to_have_text("def")  # highlighted
    await expect(pane.get_by_text("total([1,2,3]) → 6")).to_be_visible()

    await page.get_by_role("button", name="Run").click()  # the starter code: wrong
    summary = page.locator("#code-summary")
    await expect(summary).to_have_text("Run: 1/2 tests passed")
    await expect(pane.get_by_text("expected 6, got 0")).to_be_visible()

    await page.evaluate(
        SET_CODE, "def total(numbers):\n    return sum(n for n in numbers if n > 0)\n"
    )
    await page.get_by_role("button", name="Submit").click()
    await expect(summary).to_have_text("Submission: 3/4 tests passed (hidden: 1/2)")
    await expect(pane.get_by_text("Hidden test 1: failed")).to_be_visible()
    await page.set_viewport_size({"width": 1400, "height": 1000})
    await page.screenshot(path=str(SHOTS / "coding-pane.png"), full_page=True)
    assert "SECRET" not in await pane.inner_text()  # hidden tests never show what they are
    assert "-4" not in await pane.inner_text()

    await page.get_by_label("Language").select_option("javascript")
    await page.evaluate(SET_CODE, "")
    await page.evaluate(PASTE_CODE, PASTED_JS)
    await page.get_by_role("button", name="Submit").click()
    await expect(summary).to_have_text("Submission: 4/4 tests passed (hidden: 2/2)")

    runs = await api.get(
        "/api/v1/code-executions", params={"session_id": session["id"]}, headers=tenant.headers
    )
    kept = runs.json()["data"]
    assert [(r["mode"], r["language"], r["passed"]) for r in kept] == [
        ("run", "python", 1),
        ("submit", "python", 3),
        ("submit", "javascript", 4),
    ]
    data = await signals_until(api, tenant, session["id"], lambda s: s["code_paste_events"] >= 1)
    assert data["summary"]["code_pasted_characters"] == len(PASTED_JS)

    await page.reload()  # resumed: the same problem, the last run shown again
    await expect(page.locator("#code-summary")).to_have_text(
        "Submission: 4/4 tests passed (hidden: 2/2)"
    )
    await expect(pane.get_by_role("heading", name="Sum of a list")).to_be_visible()
