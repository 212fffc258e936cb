"""The self-identification sections of the apply form and the join page over plain HTTP:
answers stored apart from the application (staged with an apply request until its email
code settles it — or dropped when the request ends without a new participant), declining,
bad values and forged forms (nothing stored), the join page's form (never showing earlier
answers), and a purge removing answers still waiting for their code."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from tests.assessments.modes import pipeline, schedule, token_of
from tests.assessments.test_async_assessment import async_stage
from tests.conftest import Tenant
from tests.fixtures.world import add_participant
from tests.web.conftest import apply_world, unique_email
from tests.web.test_apply_rules import Visitor, latest_code, request_path
from vivavoce.bias_audit.model import SelfIdentification
from vivavoce.models import ApplyRequest, Participant
from vivavoce.runtime import Database

ANSWERS = {"self_id_sex": "female", "self_id_race_ethnicity": "asian"}


@pytest.fixture
async def visitor(app: Any) -> AsyncIterator[Visitor]:
    """A cookie-keeping client from an address of its own (the apply throttles count per
    address)."""
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    transport = httpx.ASGITransport(app=app, client=(address, 40_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Visitor(http)


async def rows(database: Database, workspace_id: uuid.UUID) -> list[SelfIdentification]:
    async with database.sessionmaker() as db:
        found = await db.scalars(
            select(SelfIdentification).where(SelfIdentification.workspace_id == workspace_id)
        )
        return list(found)


async def participant_id(database: Database, template_id: str, email: str) -> uuid.UUID:
    async with database.sessionmaker() as db:
        found = await db.scalar(
            select(Participant.id).where(
                Participant.evaluation_template_id == uuid.UUID(template_id),
                Participant.email == email,
            )
        )
    assert found is not None
    return found


async def test_the_apply_form_offers_the_questions_declined_by_default(
    client: httpx.AsyncClient, tenant: Tenant, visitor: Visitor
) -> None:
    world = await apply_world(client, tenant)
    page = await visitor.get(f"/apply/{world.template_id}")
    assert page.status_code == 200
    assert "About you, for our fairness check" in page.text
    assert "You do not have to answer" in page.text
    for name in ANSWERS:
        assert f'name="{name}" value="prefer_not_to_say" checked' in page.text
    assert '<details class="self-id">' in page.text  # folded away until the candidate opens it


async def test_answers_wait_with_the_request_until_the_code_settles_them(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, visitor: Visitor
) -> None:
    world = await apply_world(client, tenant, requires_otp=True)
    email = unique_email()
    path = request_path(await visitor.apply(world.template_id, email, **ANSWERS))
    [waiting] = await rows(database, tenant.id)
    assert waiting.participant_id is None and waiting.apply_request_id is not None
    assert (waiting.sex, waiting.race_ethnicity, waiting.source) == (
        "female",
        "asian",
        "apply_page",
    )
    await visitor.get(path)
    verified = await visitor.post(f"{path}/verify", code=await latest_code(database, email))
    assert verified.status_code == 303, verified.text
    [settled] = await rows(database, tenant.id)
    assert settled.apply_request_id is None
    assert settled.participant_id == await participant_id(database, world.template_id, email)
    # nothing of it reaches the participant, the application or the events
    person = await client.get(
        f"/api/v1/participants/{settled.participant_id}", headers=tenant.headers
    )
    events = await client.get("/api/v1/events?limit=100", headers=tenant.headers)
    for text in (person.text, events.text):
        assert "asian" not in text and "self_id" not in text


async def test_without_a_code_the_answers_go_to_the_new_participant_at_once(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, visitor: Visitor
) -> None:
    world = await apply_world(client, tenant, requires_otp=False)
    email = unique_email()
    answered = await visitor.apply(world.template_id, email, self_id_sex="male")
    assert answered.status_code == 303, answered.text
    [row] = await rows(database, tenant.id)
    assert row.participant_id == await participant_id(database, world.template_id, email)
    assert (row.sex, row.race_ethnicity) == ("male", None)
    declined = await visitor.apply(
        world.template_id,
        unique_email("bob"),
        self_id_sex="prefer_not_to_say",
        self_id_race_ethnicity="prefer_not_to_say",
    )
    assert declined.status_code == 303
    assert len(await rows(database, tenant.id)) == 1  # declining stores nothing


async def test_a_bad_answer_or_a_forged_form_stores_nothing(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, visitor: Visitor
) -> None:
    world = await apply_world(client, tenant, requires_otp=False)
    email = unique_email()
    bad = await visitor.apply(world.template_id, email, self_id_sex="martian")
    assert bad.status_code == 422
    assert "Please choose one of the answers" in bad.text
    assert 'href="#self_id_sex"' in bad.text and '<details class="self-id" open>' in bad.text
    await visitor.get(f"/apply/{world.template_id}")
    forged = await visitor.http.post(
        f"/apply/{world.template_id}",
        data={"name": "Ada", "email": email, "consent": "yes", "csrf_token": "x", **ANSWERS},
    )
    assert forged.status_code == 403
    assert await rows(database, tenant.id) == []
    people = await client.get(
        "/api/v1/participants", params={"email": email}, headers=tenant.headers
    )
    assert people.json()["data"] == []


async def test_applying_again_drops_the_second_answers_and_keeps_the_first(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, visitor: Visitor
) -> None:
    world = await apply_world(client, tenant, requires_otp=True)
    email = unique_email()
    first = request_path(await visitor.apply(world.template_id, email, **ANSWERS))
    await visitor.get(first)
    await visitor.post(f"{first}/verify", code=await latest_code(database, email))
    async with database.sessionmaker() as db, db.begin():  # the resend throttle, passed
        request = await db.get(ApplyRequest, uuid.UUID(first.rsplit("/", 1)[1]))
        assert request is not None and request.otp_sent_at is not None
        await db.execute(
            update(ApplyRequest)
            .where(ApplyRequest.email == email)
            .values(otp_sent_at=request.otp_sent_at.replace(year=2000))
            .execution_options(synchronize_session=False)
        )
    again = request_path(await visitor.apply(world.template_id, email, self_id_sex="male"))
    assert len(await rows(database, tenant.id)) == 2  # one settled, one waiting
    await visitor.get(again)
    duplicate = await visitor.post(f"{again}/verify", code=await latest_code(database, email))
    assert duplicate.status_code == 303
    assert "already applied" in (await visitor.get(again)).text
    [kept] = await rows(database, tenant.id)
    assert (kept.sex, kept.race_ethnicity) == ("female", "asian")


async def test_a_purge_removes_answers_still_waiting_for_their_code(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, visitor: Visitor
) -> None:
    world = await apply_world(client, tenant, requires_otp=True)
    email = unique_email()
    person = await add_participant(client, tenant.headers, world.template_id, email)
    request_path(await visitor.apply(world.template_id, email, **ANSWERS))
    assert len(await rows(database, tenant.id)) == 1
    purged = await client.delete(
        f"/api/v1/participants/{person}?purge=true", headers=tenant.headers
    )
    assert purged.status_code == 200, purged.text
    assert await rows(database, tenant.id) == []


async def join_token(client: httpx.AsyncClient, tenant: Tenant) -> tuple[str, Any]:
    world = await apply_world(client, tenant)
    response = await client.post(
        "/api/v1/sessions",
        json={
            "candidate_id": world.participant_id,
            "evaluation_template_id": world.template_id,
            "stage": "screen",
        },
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["join_url"]).rsplit("/", 1)[1], world


async def test_the_join_page_records_replaces_and_withdraws_answers(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, visitor: Visitor
) -> None:
    token, world = await join_token(client, tenant)
    page = await visitor.get(f"/join/{token}")
    assert page.status_code == 200 and "About you, for our fairness check" in page.text
    saved = await visitor.post(f"/join/{token}/about-you", **ANSWERS)
    assert saved.status_code == 303 and saved.headers["location"].endswith("?about_you=saved")
    [row] = await rows(database, tenant.id)
    assert str(row.participant_id) == world.participant_id and row.source == "join_page"
    again = await visitor.get(saved.headers["location"])
    assert "Thank you. Your answers are kept apart" in again.text
    # whoever holds the link (a recruiter copying it) cannot read what was answered
    assert 'value="asian" checked' not in again.text
    await visitor.post(f"/join/{token}/about-you", self_id_sex="male")
    [replaced] = await rows(database, tenant.id)
    assert (replaced.sex, replaced.race_ethnicity) == ("male", None)
    withdrawn = await visitor.post(f"/join/{token}/about-you")
    assert withdrawn.headers["location"].endswith("?about_you=withdrawn")
    assert await rows(database, tenant.id) == []


async def test_the_join_form_refuses_forged_posts_bad_values_and_unknown_links(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, visitor: Visitor
) -> None:
    token, _ = await join_token(client, tenant)
    await visitor.get(f"/join/{token}")
    forged = await visitor.http.post(
        f"/join/{token}/about-you", data={"csrf_token": "forged", **ANSWERS}
    )
    assert forged.status_code == 403 and "This form has expired" in forged.text
    bad = await visitor.post(f"/join/{token}/about-you", self_id_race_ethnicity="x" * 40)
    assert bad.status_code == 422 and "Please choose one of the answers" in bad.text
    nul = await visitor.post(f"/join/{token}/about-you", self_id_sex="female\x00")
    assert nul.status_code == 422 and "This form could not be read" in nul.text
    unknown = await visitor.post("/join/not-a-real-token/about-you", **ANSWERS)
    assert unknown.status_code == 404
    assert await rows(database, tenant.id) == []


async def test_the_one_way_assessment_page_offers_the_same_form(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, visitor: Visitor
) -> None:
    world = await pipeline(client, tenant, async_stage(), email=unique_email("oneway"))
    session = await schedule(client, tenant, world, "one-way")
    token = token_of(session)
    page = await visitor.get(f"/join/{token}")
    assert page.status_code == 200
    assert "start the assessment" in page.text and "About you, for our fairness check" in page.text
    saved = await visitor.post(f"/join/{token}/about-you", self_id_race_ethnicity="two_or_more")
    assert saved.status_code == 303
    [row] = await rows(database, tenant.id)
    assert str(row.participant_id) == world["participant_id"]
    assert (row.sex, row.race_ethnicity) == (None, "two_or_more")
    thanked = await visitor.get(saved.headers["location"])
    assert "Thank you. Your answers are kept apart" in thanked.text
