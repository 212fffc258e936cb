"""`GET /api/v1/reports/bias-audit` on real PostgreSQL: counts, rates and impact ratios per
group from reviewer-scored sessions, suppression of small groups, the period and stage,
bad parameters (422, nothing else), scopes, another workspace (404), and a purge erasing a
candidate's answers while their scorecard still counts."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.bias_audit.world import Candidate, audited_template
from tests.conftest import Tenant
from tests.templates.test_private_reach import user_key
from vivavoce.bias_audit.model import SelfIdentification
from vivavoce.bias_audit.questions import Answers
from vivavoce.kit.clock import utcnow
from vivavoce.runtime import Database

URL = "/api/v1/reports/bias-audit"


def people() -> list[Candidate]:
    """Six women (four advanced), six men (all advanced), two of another gender, three who
    said nothing; the race of the first twelve half white, half Asian."""
    crowd = []
    for sex, decisions in (("female", [1, 1, 0, 1, 1, 0]), ("male", [1] * 6)):
        for place, advance in enumerate(decisions):
            race = "white" if place < 3 else "asian"
            crowd.append(Candidate(Answers(sex, race), bool(advance), 8 if advance else 3))
    crowd += [
        Candidate(Answers("another", None), advance, 8 if advance else 3)
        for advance in (True, False)
    ]
    crowd += [Candidate(Answers(), advance, 8 if advance else 3) for advance in (True, True, False)]
    return crowd


def table(report: dict[str, Any], category: str) -> dict[str, Any]:
    return next(c for c in report["categories"] if c["category"] == category)


def group(report: dict[str, Any], category: str, key: str) -> dict[str, Any]:
    return next(g for g in table(report, category)["groups"] if g["key"] == key)


async def audit(
    client: httpx.AsyncClient, tenant: Tenant, template_id: str, **params: Any
) -> httpx.Response:
    query = {"evaluation_template_id": template_id, **params}
    return await client.get(URL, params=query, headers=tenant.headers)


async def test_the_report_counts_rates_and_impact_ratios_per_group(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await audited_template(client, tenant, database, people())
    response = await audit(client, tenant, world["template_id"])
    assert response.status_code == 200, response.text
    report = response.json()["data"]
    assert report["stage"] == "panel"
    assert [s["type"] for s in report["stages"]] == ["panel", "onsite"]
    assert report["totals"] == {
        "candidates": 17,
        "passed": 13,
        "advanced": 13,
        "disclosed": 14,
        "median_score": 8.0,
    }
    women, men = group(report, "sex", "female"), group(report, "sex", "male")
    assert (women["candidates"], women["passed"], women["selection_rate"]) == (6, 4, 0.6667)
    assert women["mean_score"] == round((4 * 8 + 2 * 3) / 6, 2)
    assert (men["candidates"], men["selection_rate"], men["impact_ratio"]) == (6, 1.0, 1.0)
    assert men["highest"] and not men["below_four_fifths"]
    assert women["impact_ratio"] == 0.6667 and women["below_four_fifths"] is True
    assert women["advance_rate"] == 0.6667 and women["advance_impact_ratio"] == 0.6667
    # two of another gender and three who gave no answer: both under 5, both withheld
    other = group(report, "sex", "another")
    assert other["suppressed"] and other["candidates"] is None and other["impact_ratio"] is None
    assert table(report, "sex")["not_disclosed"]["suppressed"] is True
    white, asian = (
        group(report, "race_ethnicity", "white"),
        group(report, "race_ethnicity", "asian"),
    )
    assert (white["candidates"], white["passed"]) == (6, 5)
    assert (asian["candidates"], asian["impact_ratio"]) == (6, 1.0)
    assert table(report, "race_ethnicity")["not_disclosed"]["candidates"] == 5
    empty = group(report, "race_ethnicity", "black")
    assert (empty["candidates"], empty["selection_rate"], empty["suppressed"]) == (0, None, False)
    # every intersection holds three people or none: nothing of it is shown
    crossed = table(report, "sex_x_race_ethnicity")["groups"]
    assert all(g["candidates"] in (0, None) for g in crossed)
    assert sum(g["suppressed"] for g in crossed) == 4


async def test_the_period_the_stage_and_a_larger_minimum(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await audited_template(client, tenant, database, people())
    today = utcnow().date()
    during = await audit(client, tenant, world["template_id"], **{"from": today, "to": today})
    assert during.json()["data"]["totals"]["candidates"] == 17
    later = today + timedelta(days=1)
    after = await audit(client, tenant, world["template_id"], **{"from": later})
    assert after.status_code == 200 and after.json()["data"]["totals"]["candidates"] == 0
    onsite = await audit(client, tenant, world["template_id"], stage="onsite")
    assert onsite.json()["data"]["stage"] == "onsite"
    assert onsite.json()["data"]["totals"]["candidates"] == 0  # nobody reviewed there yet
    stricter = (await audit(client, tenant, world["template_id"], min_group_size=7)).json()
    assert stricter["data"]["min_group_size"] == 7
    assert group(stricter["data"], "sex", "female")["suppressed"] is True
    assert group(stricter["data"], "sex", "male")["candidates"] is None


async def test_bad_parameters_are_refused_with_the_reason(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    world = await audited_template(client, tenant, database, people()[:1])
    template = world["template_id"]
    backwards = await audit(client, tenant, template, **{"from": "2026-05-02", "to": "2026-05-01"})
    assert backwards.status_code == 422 and backwards.json()["code"] == "invalid_period"
    small = await audit(client, tenant, template, min_group_size=2)
    assert small.status_code == 422 and small.json()["code"] == "group_size_too_small"
    stage = await audit(client, tenant, template, stage="nope")
    assert stage.status_code == 422 and stage.json()["code"] == "unknown_stage"
    assert (await audit(client, tenant, template, **{"from": "yesterday"})).status_code == 422
    assert (await audit(client, tenant, template, page="2")).status_code == 422
    missing = await client.get(URL, headers=tenant.headers)
    assert missing.status_code == 422


async def test_another_workspace_and_a_key_without_the_scope_see_nothing(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, database: Database
) -> None:
    world = await audited_template(client, tenant, database, people()[:2])
    foreign = await audit(client, other_tenant, world["template_id"])
    assert foreign.status_code == 404, foreign.text
    unknown = await audit(client, tenant, str(uuid.uuid4()))
    assert unknown.status_code == 404
    narrow = await tenant.key_with("candidates.read")
    refused = await client.get(
        URL, params={"evaluation_template_id": world["template_id"]}, headers=narrow
    )
    assert refused.status_code == 403 and refused.json()["code"] == "missing_scope"
    anonymous = await client.get(URL, params={"evaluation_template_id": world["template_id"]})
    assert anonymous.status_code == 401


async def answers_of(database: Database, participant_id: str) -> int:
    async with database.sessionmaker() as db:
        found = await db.scalar(
            select(func.count())
            .select_from(SelfIdentification)
            .where(SelfIdentification.participant_id == uuid.UUID(participant_id))
        )
    return int(found or 0)


async def test_a_purge_erases_the_answers_and_the_scorecard_still_counts(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    crowd = people()
    world = await audited_template(client, tenant, database, crowd)
    man = world["participants"][6]  # the first of the men
    assert await answers_of(database, man) == 1
    purged = await client.delete(f"/api/v1/participants/{man}?purge=true", headers=tenant.headers)
    assert purged.status_code == 200, purged.text
    assert await answers_of(database, man) == 0
    report = (await audit(client, tenant, world["template_id"])).json()["data"]
    assert report["totals"]["candidates"] == 17 and report["totals"]["disclosed"] == 13
    assert group(report, "sex", "male")["candidates"] == 5
    assert table(report, "race_ethnicity")["not_disclosed"]["candidates"] == 6
    # the others' answers are untouched
    assert await answers_of(database, world["participants"][7]) == 1


async def test_a_private_template_is_audited_by_its_creator_only(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    creator, colleague = await user_key(tenant, "member"), await user_key(tenant, "admin")
    made = await client.post(
        "/api/v1/evaluation-templates",
        json={"template_name": "Quiet hire", "use_case": "hiring", "visibility": "private"},
        headers=creator,
    )
    assert made.status_code == 201, made.text
    template = made.json()["data"]["id"]
    own = await client.get(URL, params={"evaluation_template_id": template}, headers=creator)
    assert own.status_code == 200 and own.json()["data"]["stage"] is None
    assert own.json()["data"]["totals"]["candidates"] == 0
    for headers in (colleague, tenant.headers):
        hidden = await client.get(URL, params={"evaluation_template_id": template}, headers=headers)
        assert hidden.status_code == 404, hidden.text


async def test_the_csv_of_the_api_holds_the_same_numbers(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, database: Database
) -> None:
    world = await audited_template(client, tenant, database, people())
    params = {"evaluation_template_id": world["template_id"]}
    response = await client.get(URL + ".csv", params=params, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(response.text)))
    women = next(r for r in lines if r["category"] == "Sex" and r["group"] == "Female")
    assert (women["candidates"], women["passed"], women["impact_ratio"]) == ("6", "4", "0.6667")
    assert women["below_four_fifths"] == "yes"
    foreign = await client.get(URL + ".csv", params=params, headers=other_tenant.headers)
    assert foreign.status_code == 404
    bad = await client.get(
        URL + ".csv", params={**params, "min_group_size": 2}, headers=tenant.headers
    )
    assert bad.status_code == 422 and bad.json()["code"] == "group_size_too_small"
