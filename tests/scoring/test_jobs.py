"""The scoring job: enqueued with the completion, written once, retried while the LLM
provider is down."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import Tenant
from tests.emails.smtp import eventually
from tests.fixtures.jobs import jobs_of
from tests.fixtures.model_servers import ModelServer
from tests.interviewer.test_llm_provider import running_llm
from tests.scoring.pipeline import interview, pipeline, say, schedule, scored
from tests.scoring.samples import EXPERT, INJECTION
from tests.scoring.test_llm_judge import reply
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.jobs import JobContext, run_worker
from vivavoce.runtime import Database, job_registry
from vivavoce.scoring import tasks
from vivavoce.sessions import service
from vivavoce.sessions.service import SCORE_JOB, SessionLinks


async def queued(database: Database, session_id: uuid.UUID) -> int:
    async with unit_of_work(database.sessionmaker) as db:
        count = await db.scalar(
            text(
                "SELECT count(*) FROM pgqueuer WHERE entrypoint = :name AND convert_from(payload, 'UTF8') LIKE :id"
            ),
            {"name": SCORE_JOB, "id": f"%{session_id}%"},
        )
    return int(count or 0)


async def scored_events(client: httpx.AsyncClient, tenant: Tenant, session_id: uuid.UUID) -> int:
    response = await client.get(f"/api/v1/sessions/{session_id}/events", headers=tenant.headers)
    return [e["event"] for e in response.json()["data"]].count("session.scored")


async def test_completion_enqueues_the_job_in_its_transaction_and_a_rollback_none(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    world = await pipeline(client, tenant, ("auto_advance",), email="a@example.com")
    session = await schedule(client, tenant, world, "s0")
    session_id = uuid.UUID(session["id"])
    links = SessionLinks(settings.base_url, settings.secret_key)
    async with unit_of_work(database.sessionmaker) as db:
        await service.join(db, session["join_url"].rsplit("/", 1)[1], links, utcnow())
    await say(database, session_id, "participant", EXPERT)

    class Boom(Exception):
        pass

    async def complete_then_fail() -> None:
        async with unit_of_work(database.sessionmaker) as db:
            await service.complete(db, tenant.id, session_id, links, utcnow())
            raise Boom

    with pytest.raises(Boom):
        await complete_then_fail()
    assert await queued(database, session_id) == 0
    async with unit_of_work(database.sessionmaker) as db:
        await service.complete(db, tenant.id, session_id, links, utcnow())
    assert await queued(database, session_id) == 1


async def test_the_scorecard_is_written_once_and_a_second_run_is_a_no_op(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    world = await pipeline(client, tenant, ("auto_advance",), email="b@example.com")
    session = await schedule(client, tenant, world, "s0")
    session_id = await interview(database, settings, tenant, session, EXPERT)
    context = JobContext(settings=settings, sessionmaker=database.sessionmaker)
    await tasks.score_session(context, {"session_id": str(session_id)})
    first = (await client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)).json()
    await tasks.score_session(context, {"session_id": str(session_id)})
    second = (await client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)).json()
    assert first["data"]["scored_at"] is not None
    assert second["data"] == first["data"]
    assert await scored_events(client, tenant, session_id) == 1
    signals = first["data"]["authenticity_signals"]
    assert signals["evaluator_manipulation_attempts"] == 0


async def test_a_session_that_is_not_completed_is_not_scored(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    world = await pipeline(client, tenant, ("auto_advance",), email="c@example.com")
    session = await schedule(client, tenant, world, "s0")
    context = JobContext(settings=settings, sessionmaker=database.sessionmaker)
    await tasks.score_session(context, {"session_id": session["id"]})
    after = (await client.get(f"/api/v1/sessions/{session['id']}", headers=tenant.headers)).json()
    assert after["data"]["scored_at"] is None and after["data"]["score"] is None


@pytest.fixture
async def llm() -> AsyncIterator[ModelServer]:
    async with running_llm() as fake:
        fake.default_reply = reply(quote="partitioned by device id so ordering holds per device")
        yield fake


async def test_provider_down_then_back_the_scorecard_arrives(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    llm: ModelServer,
) -> None:
    configured = settings.model_copy(
        update={
            "llm_base_url": llm.api_url,
            "llm_max_retries": 0,
            "llm_timeout_seconds": 5.0,
            "scoring_scorer": "llm",
            "scoring_llm_samples": 1,
        }
    )
    llm.status = 503
    stop = asyncio.Event()
    context = JobContext(settings=configured, sessionmaker=database.sessionmaker)
    runner = asyncio.create_task(run_worker(database.url, job_registry(), context, stop))
    try:
        world = await pipeline(client, tenant, ("auto_advance",), email="d@example.com")
        session = await schedule(client, tenant, world, "s0")
        session_id = await interview(database, configured, tenant, session, EXPERT)
        for _ in range(200):
            if llm.requests:
                break
            await asyncio.sleep(0.05)
        assert llm.requests, "the scoring job never called the provider"

        async def retry_queued() -> bool:
            jobs = await jobs_of(database, SCORE_JOB, session_id=str(session_id))
            return any(job.status == "queued" and job.payload.get("attempt") for job in jobs)

        await eventually(retry_queued)  # the failed attempt is over and asked for a retry
        down = (await client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)).json()
        assert down["data"]["scored_at"] is None  # nothing written while the provider is down
        llm.status = None  # the provider is back: the retried job scores the session
        card = await scored(client, tenant, session_id, within=40)
    finally:
        stop.set()
        await asyncio.wait_for(runner, timeout=20)
    assert card["scoring"]["scorer"] == "llm"
    assert card["score"] is not None
    assert card["evaluation_breakdown"][0]["citations"][0]["turn"] == 3
    assert await scored_events(client, tenant, session_id) == 1


async def test_text_to_the_scorer_is_counted_in_the_signals_and_flags_review(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    world = await pipeline(client, tenant, ("auto_advance",), email="e@example.com")
    plain_session = await schedule(client, tenant, world, "s0")
    plain_id = await interview(database, settings, tenant, plain_session, EXPERT)
    other = await pipeline(client, tenant, ("auto_advance",), email="f@example.com")
    injected_session = await schedule(client, tenant, other, "s0")
    injected_id = await interview(
        database, settings, tenant, injected_session, EXPERT + " " + INJECTION
    )
    context = JobContext(settings=settings, sessionmaker=database.sessionmaker)
    for session_id in (plain_id, injected_id):
        await tasks.score_session(context, {"session_id": str(session_id)})
    plain = (await client.get(f"/api/v1/sessions/{plain_id}", headers=tenant.headers)).json()
    injected = (await client.get(f"/api/v1/sessions/{injected_id}", headers=tenant.headers)).json()
    assert injected["data"]["authenticity_signals"]["evaluator_manipulation_attempts"] == 1
    assert injected["data"]["needs_human_review"] is True
    assert injected["data"]["scoring"]["review_reasons"]
    assert float(injected["data"]["score"]) <= float(plain["data"]["score"])


async def test_while_the_judge_is_down_the_job_queues_another_attempt_and_writes_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    llm: ModelServer,
) -> None:
    configured = settings.model_copy(
        update={
            "llm_base_url": llm.api_url,
            "llm_max_retries": 0,
            "scoring_scorer": "llm",
            "scoring_llm_samples": 1,
        }
    )
    llm.status = 503
    world = await pipeline(client, tenant, ("auto_advance",), email="e@example.com")
    session = await schedule(client, tenant, world, "s0")
    session_id = await interview(database, configured, tenant, session, EXPERT)
    before = await queued(database, session_id)
    context = JobContext(settings=configured, sessionmaker=database.sessionmaker)
    await tasks.score_session(context, {"session_id": str(session_id)})
    assert await queued(database, session_id) == before + 1
    after = (await client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)).json()
    assert after["data"]["scored_at"] is None


async def test_a_judge_down_past_the_patience_window_leaves_an_offline_scorecard_for_review(
    client: httpx.AsyncClient,
    tenant: Tenant,
    database: Database,
    settings: Settings,
    llm: ModelServer,
) -> None:
    configured = settings.model_copy(
        update={
            "llm_base_url": llm.api_url,
            "llm_max_retries": 0,
            "scoring_scorer": "llm",
            "scoring_llm_samples": 1,
            "scoring_llm_patience_seconds": 0,
        }
    )
    llm.status = 503
    world = await pipeline(client, tenant, ("auto_advance",), email="f@example.com")
    session = await schedule(client, tenant, world, "s0")
    session_id = await interview(database, configured, tenant, session, EXPERT)
    context = JobContext(settings=configured, sessionmaker=database.sessionmaker)
    await tasks.score_session(context, {"session_id": str(session_id)})
    card = (await client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)).json()
    data = card["data"]
    assert data["scored_at"] is not None and data["score"] is not None
    assert data["scoring"]["scorer"] == "offline"
    assert data["needs_human_review"] is True
    assert any("unreachable" in r for r in data["scoring"]["review_reasons"])
    assert await scored_events(client, tenant, session_id) == 1
