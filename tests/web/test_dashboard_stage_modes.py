"""The dashboard's stage form takes the settings of the stage kinds that have them (a
one-way assessment's times and retakes, a practice session's transcript sharing), with
errors next to the field and nothing saved on a bad value."""

from __future__ import annotations

import httpx
from tests.conftest import Tenant
from tests.fixtures.world import build_world
from tests.web.conftest import Site
from tests.web.test_dashboard import PASSWORD, _form_post, _login, add_user

from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.workspaces import service as workspaces


async def test_the_stage_form_sets_each_kinds_settings(
    site: Site, api: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await build_world(api, tenant.headers, stages=("screen",))
    email = await add_user(database, tenant, "member")
    async with unit_of_work(database.sessionmaker) as db:
        [user] = [u for u in await workspaces.list_users(db, tenant.id) if u.email == email]
    reviewer_id = str(user.id)
    stages = f"/dashboard/templates/{world.template_id}/stages"
    form = {
        "type": "one-way",
        "stage_type": "async_assessment",
        "automation_rule": "auto_advance",
        "questions": "Describe a system you designed. | system_design",
        "prep_seconds": "20",
        "answer_seconds": "90",
        "retakes": "9",
        "answer_kinds": ["text", "audio"],
        "speak_questions": "yes",
    }
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        assert (await _login(client, email, PASSWORD)).status_code == 303
        refused = await _form_post(client, stages, form)
        assert refused.status_code == 422 and 'id="retakes-error"' in refused.text
        saved = await _form_post(client, stages, {**form, "retakes": "2"})
        assert saved.status_code == 303, saved.text
        practice = {
            "type": "rehearsal",
            "stage_type": "practice_session",
            "share_transcript": "yes",
        }
        assert (
            await _form_post(client, stages, {**practice, "automation_rule": "none"})
        ).status_code == 303
        page = await client.get(f"/dashboard/templates/{world.template_id}")
        assert f'<option value="{reviewer_id}">{email}</option>' in page.text
        panel = {"type": "panel", "stage_type": "manual_review", "automation_rule": "none"}
        named = await _form_post(client, stages, {**panel, "reviewer_user_id": reviewer_id})
        assert named.status_code == 303, named.text
    listed = await api.get(
        f"/api/v1/evaluation-stages?evaluation_template_id={world.template_id}",
        headers=tenant.headers,
    )
    by_type = {s["type"]: s for s in listed.json()["data"]}
    assert set(by_type) == {"screen", "one-way", "rehearsal", "panel"}
    assert by_type["panel"]["review"] == {"reviewer_user_id": reviewer_id}
    assert by_type["one-way"]["assessment"] == {
        "prep_seconds": 20,
        "answer_seconds": 90,
        "retakes": 2,
        "answer_kinds": ["text", "audio"],
        "speak_questions": True,
    }
    assert by_type["rehearsal"]["practice"] == {"share_transcript": True}
    assert by_type["screen"]["assessment"] is None and by_type["screen"]["practice"] is None
