"""Items 3-11 of issue 16, as a client written from Intervyo's docs sees them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.compat.intervyo import (
    API,
    ERROR,
    STAGE,
    TEMPLATE,
    assert_shape,
    create,
    in_days,
    ok,
    parse_time,
    pipeline,
    profile_body,
    timestamps_in,
)
from tests.conftest import Tenant

# Item 3


async def test_a_wall_time_with_a_timezone_is_that_time_in_that_zone(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers)
    wall = in_days(5).replace(tzinfo=None)
    session = await create(
        client,
        tenant.headers,
        "/sessions",
        world.session("screen", scheduled_at=wall.isoformat(), timezone="Europe/Berlin"),
    )
    expected = wall.replace(tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    assert parse_time(session["scheduled_at"]) == expected
    assert session["timezone"] == "Europe/Berlin"


async def test_an_offset_keeps_its_instant_and_records_the_zone(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers)
    moment = in_days(5)
    sent = moment.astimezone(ZoneInfo("America/New_York")).isoformat()
    session = await create(
        client,
        tenant.headers,
        "/sessions",
        world.session("screen", scheduled_at=sent, timezone="Asia/Tokyo"),
    )
    assert parse_time(session["scheduled_at"]) == moment
    assert session["timezone"] == "Asia/Tokyo"


async def test_a_time_in_the_past_is_422_and_schedules_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers)
    response = await client.post(
        f"{API}/sessions",
        json=world.session("screen", scheduled_at="2020-01-01T09:00:00Z"),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert_shape(response.json(), ERROR)
    assert response.json()["issues"][0]["path"] == ["body", "scheduled_at"]
    listed = await ok(await client.get(f"{API}/sessions", headers=tenant.headers))
    assert listed["data"] == []


# Item 4


async def test_interviews_scopes_cover_agent_profiles(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    writer = await tenant.key_with("interviews.write")
    reader = await tenant.key_with("interviews.read")
    profile = await create(client, writer, "/agent-profiles", profile_body())
    assert (await client.get(f"{API}/agent-profiles", headers=reader)).status_code == 200
    one = await client.get(f"{API}/agent-profiles/{profile['id']}", headers=reader)
    assert one.status_code == 200
    assert one.json()["data"]["name"] == profile["name"]
    legacy = await tenant.key_with("evaluation_templates.read")
    assert (await client.get(f"{API}/agent-profiles", headers=legacy)).status_code == 200


async def test_programs_scopes_are_accepted_on_keys(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    key = await tenant.key_with("programs.read", "programs.write")
    refused = await client.get(f"{API}/sessions", headers=key)
    assert refused.status_code == 403  # a valid key, just not one for sessions
    assert refused.json()["code"] == "missing_scope"


# Item 5


async def test_stage_type_is_a_short_label_matched_ignoring_case(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers, stages=("Final Round",))
    duplicate = await client.post(
        f"{API}/evaluation-stages",
        json={"evaluation_template_id": world.template, "type": "final round"},
        headers=tenant.headers,
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate_stage_type"
    session = await create(client, tenant.headers, "/sessions", world.session("FINAL ROUND"))
    assert session["stage"] == "Final Round"
    assert session["evaluation_stage_id"] == world.stages["Final Round"]


# Item 6


@pytest.mark.parametrize("visibility", ["private", "team", "organization", "public_template"])
async def test_documented_visibilities_are_stored(
    client: httpx.AsyncClient, tenant: Tenant, visibility: str
) -> None:
    template = await create(
        client,
        tenant.headers,
        "/evaluation-templates",
        {"template_name": "Analyst", "visibility": visibility},
    )
    assert_shape(template, TEMPLATE, "template")
    assert template["visibility"] == visibility
    default = await create(client, tenant.headers, "/evaluation-templates", {"template_name": "B"})
    assert default["visibility"] == "team"
    assert default["format"] == "live_ai_interview"


async def test_public_templates_are_forkable_and_others_are_not(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    shared = await pipeline(
        client,
        tenant.headers,
        stages=("screen", "Final Round"),
        template={"template_name": "Data Engineer", "visibility": "public_template"},
    )
    hidden = await create(
        client, tenant.headers, "/evaluation-templates", {"template_name": "Secret"}
    )
    library = await ok(
        await client.get(
            f"{API}/evaluation-templates?visibility=public_template&limit=100",
            headers=other_tenant.headers,
        )
    )
    ids = [t["id"] for t in library["data"]]
    assert shared.template in ids
    assert hidden["id"] not in ids
    fork = await create(
        client,
        other_tenant.headers,
        "/evaluation-templates?action=fork",
        {"sourceId": shared.template},
    )
    assert [s["type"] for s in fork["stages"]] == ["screen", "Final Round"]
    assert all(s["agent_profile_id"] is None for s in fork["stages"])
    assert fork["visibility"] == "team"
    refused = await client.post(
        f"{API}/evaluation-templates?action=fork",
        json={"sourceId": hidden["id"]},
        headers=other_tenant.headers,
    )
    assert refused.status_code == 404


@pytest.mark.parametrize(
    ("interview_format", "stage_type"),
    [
        ("async_interview", "async_assessment"),
        ("practice_session", "practice_session"),
        ("manual_review", "manual_review"),
    ],
)
async def test_a_format_is_the_default_stage_type_of_its_stages_and_runs(
    client: httpx.AsyncClient, tenant: Tenant, interview_format: str, stage_type: str
) -> None:
    world = await pipeline(
        client,
        tenant.headers,
        template={"template_name": "Sales", "format": interview_format},
    )
    stage = await ok(
        await client.get(
            f"{API}/evaluation-stages/{world.stages['screen']}", headers=tenant.headers
        )
    )
    assert stage["data"]["stage_type"] == stage_type
    response = await client.post(
        f"{API}/sessions", json=world.session("screen"), headers=tenant.headers
    )
    assert response.status_code == 201, response.text


async def test_a_roleplay_format_needs_its_scenario_on_each_stage(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template = await create(
        client,
        tenant.headers,
        "/evaluation-templates",
        {"template_name": "Sales", "format": "roleplay_simulation"},
    )
    response = await client.post(
        f"{API}/evaluation-stages",
        json={"evaluation_template_id": template["id"], "type": "screen"},
        headers=tenant.headers,
    )
    assert response.status_code == 422, response.text
    assert "roleplay" in response.json()["error"]
    listed = await client.get(
        f"{API}/evaluation-stages?evaluation_template_id={template['id']}", headers=tenant.headers
    )
    assert listed.json()["data"] == []


# Item 8


async def test_stage_defaults_follow_the_docs_or_the_template(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    plain = await create(client, tenant.headers, "/evaluation-templates", {"template_name": "A"})
    stage = await create(
        client,
        tenant.headers,
        "/evaluation-stages",
        {"evaluation_template_id": plain["id"], "type": "screen"},
    )
    assert_shape(stage, STAGE, "stage")
    assert (stage["difficulty"], stage["duration_minutes"]) == ("intermediate", 30)
    assert stage["automation_rule"] == "auto_advance"
    custom = await create(
        client,
        tenant.headers,
        "/evaluation-templates",
        {"template_name": "B", "default_difficulty": "advanced", "default_duration_minutes": 45},
    )
    stage = await create(
        client,
        tenant.headers,
        "/evaluation-stages",
        {"evaluation_template_id": custom["id"], "type": "screen"},
    )
    assert (stage["difficulty"], stage["duration_minutes"]) == ("advanced", 45)


# Item 9


async def test_every_timestamp_parses_with_the_seed_format(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers)
    session = await create(
        client,
        tenant.headers,
        "/sessions",
        world.session("screen", scheduled_at=in_days(2).isoformat()),
    )
    documents = [session]
    for path in (
        f"/sessions/{session['id']}",  # the fast path
        f"/sessions?candidate_id={world.candidate}",
        f"/sessions/{session['id']}/events",
        f"/evaluation-templates/{world.template}",
        f"/participants/{world.candidate}",
        "/applications",
        "/events",
        f"/agent-profiles/{world.profile}",
        "/evaluation-stages",
        f"/sessions/{session['id']}/signals",
        f"/sessions/{session['id']}/transcript",
        "/emails",
        "/webhook-endpoints",
        "/workspace",
    ):
        documents.append(await ok(await client.get(f"{API}{path}", headers=tenant.headers)))
    found = [stamp for document in documents for stamp in timestamps_in(document)]
    assert len(found) > 20
    for where, text in found:
        assert isinstance(parse_time(text), datetime), where


# Item 10


@pytest.mark.parametrize("param", ["page=2", "per_page=50", "offset=20"])
@pytest.mark.parametrize(
    "path",
    [
        "/sessions",
        "/participants",
        "/evaluation-templates",
        "/events",
        "/applications",
        "/agent-profiles",
        "/evaluation-stages",
        "/emails",
        "/webhook-endpoints",
    ],
)
async def test_unknown_paging_parameters_are_422_naming_limit_and_cursor(
    client: httpx.AsyncClient, tenant: Tenant, path: str, param: str
) -> None:
    response = await client.get(f"{API}{path}?{param}", headers=tenant.headers)
    assert response.status_code == 422
    assert_shape(response.json(), ERROR)
    message = response.json()["error"]
    assert param.split("=")[0] in message
    assert "`limit`" in message and "`cursor`" in message
    fine = await client.get(
        f"{API}{path}?limit=5&accountSlug={tenant.slug}", headers=tenant.headers
    )
    assert fine.status_code == 200


async def test_unknown_paging_parameters_are_422_on_nested_lists_too(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers)
    session = await create(client, tenant.headers, "/sessions", world.session("screen"))
    endpoint = await create(
        client,
        tenant.headers,
        "/webhook-endpoints",
        {"url": "http://127.0.0.1:9/hooks", "events": []},
    )
    for path in (
        f"/sessions/{session['id']}/events",
        f"/webhook-endpoints/{endpoint['id']}/deliveries",
        f"/evaluation-templates/{world.template}/shortlist",
        f"/evaluation-templates/{world.template}/comparison",
    ):
        response = await client.get(f"{API}{path}?page=2", headers=tenant.headers)
        assert response.status_code == 422, path
        assert "`limit`" in response.json()["error"] and "`cursor`" in response.json()["error"]
        fine = await client.get(f"{API}{path}?accountSlug={tenant.slug}", headers=tenant.headers)
        assert fine.status_code == 200, (path, fine.text)


# Item 11


async def test_error_messages_carry_no_pydantic_prefix(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(client, tenant.headers)
    response = await client.post(
        f"{API}/sessions",
        json=world.session("screen", timezone="Mars/Olympus"),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    body = response.json()
    assert "Value error" not in body["error"]
    assert all("Value error" not in i["message"] for i in body["issues"])
    assert "Mars/Olympus" in body["issues"][0]["message"]


async def test_a_field_in_the_other_naming_convention_names_the_expected_one(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    snake = await client.post(
        f"{API}/agent-profiles",
        json={**profile_body(), "use_case": "hiring"},
        headers=tenant.headers,
    )
    assert snake.status_code == 422
    issue = next(i for i in snake.json()["issues"] if i["path"] == ["body", "use_case"])
    assert "`useCase`" in issue["message"]
    camel = await client.post(
        f"{API}/evaluation-templates", json={"templateName": "X"}, headers=tenant.headers
    )
    issue = next(i for i in camel.json()["issues"] if i["path"] == ["body", "templateName"])
    assert "`template_name`" in issue["message"]


async def test_a_body_without_a_json_content_type_says_so(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        f"{API}/participants",
        content=b'{"name": "Ada", "email": "ada@example.com"}',
        headers={**tenant.headers, "content-type": "text/plain"},
    )
    assert response.status_code == 422
    assert "content-type: application/json" in response.json()["issues"][0]["message"]


async def test_bad_json_names_line_and_column(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        f"{API}/participants",
        content=b'{\n  "name": "Ada",\n  "email" "ada@example.com"\n}',
        headers={**tenant.headers, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert "line 3, column 11" in response.json()["issues"][0]["message"]
