"""The dashboard and role-play: the stage form takes the scenario as JSON (errors next to the
field, nothing saved on a bad one) and shows it again for editing; the session page shows the
scenario and names the character in the transcript."""

from __future__ import annotations

import html
import json

import httpx
import websockets
from tests.assessments.modes import pipeline, schedule
from tests.conftest import Tenant
from tests.fixtures.roleplay import SALES, SUPPORT
from tests.fixtures.world import build_world
from tests.web.conftest import Site, unique_email
from tests.web.test_dashboard import PASSWORD, _form_post, _login, add_user
from tests.web.test_join import next_of, ws_url
from tests.web.test_join_roleplay import ANSWERS, roleplay_stage

from vivavoce.runtime import Database


async def test_the_stage_form_takes_a_scenario_as_json(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await build_world(api, tenant.headers, stages=("screen",))
    email = await add_user(database, tenant, "member")
    stages = f"/dashboard/templates/{world.template_id}/stages"
    form = {"type": "call", "stage_type": "roleplay_simulation", "automation_rule": "none"}
    broken = {**SALES, "reactions": {"patience": 500}}
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        assert (await _login(client, email, PASSWORD)).status_code == 303
        for bad, said in (
            ("", "Required for stage_type roleplay_simulation"),
            ('{"character": ', "Not valid JSON"),
            (json.dumps(broken), "reactions-patience"),
        ):
            refused = await _form_post(client, stages, {**form, "roleplay": bad})
            assert refused.status_code == 422, refused.text
            assert 'id="roleplay-error"' in refused.text and said in html.unescape(refused.text)
        saved = await _form_post(client, stages, {**form, "roleplay": json.dumps(SALES)})
        assert saved.status_code == 303, saved.text
        listed = await api.get(
            f"/api/v1/evaluation-stages?evaluation_template_id={world.template_id}",
            headers=tenant.headers,
        )
        [call] = [s for s in listed.json()["data"] if s["type"] == "call"]
        assert call["roleplay"]["character"]["name"] == "Marco Reyes"
        edit = await client.get(f"{stages}/{call['id']}/edit")
        assert "Marco Reyes" in edit.text and "roleplay-settings" in edit.text


async def test_the_session_page_shows_the_scenario_and_names_the_character(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await pipeline(api, tenant, roleplay_stage(), email=unique_email("uma"))
    session = await schedule(api, tenant, world, "support call")
    async with websockets.connect(ws_url(session["join_url"])) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        await next_of(socket, "turn")
        await socket.send(json.dumps({"type": "answer", "text": ANSWERS[0]}))
        while (await next_of(socket, "turn"))["speaker"] != "ai":
            pass
    email = await add_user(database, tenant, "member")
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        assert (await _login(client, email, PASSWORD)).status_code == 303
        page = await client.get(f"/dashboard/sessions/{session['id']}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert 'id="roleplay-scenario"' in page.text
    assert "The AI played <strong>Dana Whitfield</strong>" in text
    assert SUPPORT["candidate"]["role"] in text
    assert text.count('<span class="speaker">Dana Whitfield</span>') == 2  # opening, objection
    assert "Interviewer</span>" not in text
