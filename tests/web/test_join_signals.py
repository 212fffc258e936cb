"""Authenticity signals from a real browser: a tab switch and a paste during an interview in
headless Chromium reach GET /api/v1/sessions/{id}/signals and the session payload."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from playwright.async_api import Page, expect
from tests.conftest import Tenant
from tests.web.conftest import Site
from tests.web.test_join import new_session, session_of

PASTED = "A prepared answer about designing a billing system with PostgreSQL."


async def signals_of(api: httpx.AsyncClient, tenant: Tenant, session_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/sessions/{session_id}/signals", headers=tenant.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def signals_until(
    api: httpx.AsyncClient, tenant: Tenant, session_id: str, ready: Any, within: float = 15
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        data = await signals_of(api, tenant, session_id)
        if ready(data["summary"]):
            return data
        assert asyncio.get_running_loop().time() < deadline, data
        await asyncio.sleep(0.25)


SET_HIDDEN = """hidden => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  Object.defineProperty(document, "visibilityState", {
    configurable: true, get: () => (hidden ? "hidden" : "visible"),
  });
  document.dispatchEvent(new Event("visibilitychange"));
}"""

PASTE = """text => {
  const box = document.getElementById("answer");
  box.focus();
  const data = new DataTransfer();
  data.setData("text/plain", text);
  box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  box.value = text;
}"""


async def test_a_tab_switch_and_a_paste_appear_in_the_signals(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, js_page: Page
) -> None:
    session = await new_session(api, tenant)
    page = js_page
    await page.goto(session["join_url"])
    await page.get_by_role("button", name="I understand, start the interview").click()
    await expect(page.locator("li.turn-ai[data-index]")).to_have_count(1)

    await page.evaluate(SET_HIDDEN, True)  # the candidate switches to another tab …
    await asyncio.sleep(0.3)
    await page.evaluate(SET_HIDDEN, False)  # … and comes back
    await page.evaluate(PASTE, PASTED)
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("li.turn[data-index]")).to_have_count(3)

    data = await signals_until(
        api,
        tenant,
        session["id"],
        lambda s: s["tab_switches"] >= 1 and s["paste_events"] >= 1,
    )
    summary = data["summary"]
    assert summary["tab_switches"] == 1
    assert summary["focus_lost_seconds"] >= 0.3
    assert summary["paste_events"] == 1
    assert summary["pasted_characters"] == len(PASTED)
    kinds = {event["kind"]: event for event in data["timeline"]}
    assert kinds["tab_hidden"]["turn_index"] == 1  # one turn (the greeting) was on screen
    assert kinds["tab_visible"]["data"]["hidden_ms"] >= 250
    assert kinds["paste"]["turn_index"] == 1
    assert kinds["paste"]["data"] == {"characters": len(PASTED)}
    assert PASTED not in str(data)  # counts, never the text
    stored = (await session_of(api, tenant, session["id"]))["authenticity_signals"]
    assert stored["tab_switches"] == 1 and stored["paste_events"] == 1

    await page.get_by_role("button", name="End interview").click()
    await page.get_by_role("button", name="Yes, end the interview").click()
    await expect(page.get_by_text("You ended the interview")).to_be_visible()
