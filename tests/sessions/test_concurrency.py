"""Racing triggers on real PostgreSQL: exactly one wins, exactly one event is written."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.conftest import Tenant
from tests.fixtures.world import add_participant, build_world, created, session_body
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Conflict
from vivavoce.runtime import Database
from vivavoce.sessions import service
from vivavoce.sessions.service import SessionLinks


async def _attempt(coroutine_factory: object) -> str:
    try:
        await coroutine_factory()  # type: ignore[operator]
    except Conflict as exc:
        return exc.code
    return "won"


async def test_cancel_racing_join_has_exactly_one_winner_each_round(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    links = SessionLinks(settings.base_url, settings.secret_key)
    world = await build_world(client, tenant.headers)
    winners = {"cancel": 0, "join": 0}
    for round_number in range(50):
        participant = await add_participant(
            client, tenant.headers, world.template_id, f"race{round_number}@example.com"
        )
        session = await created(
            await client.post(
                "/api/v1/sessions",
                json=session_body(world) | {"candidate_id": participant},
                headers=tenant.headers,
            )
        )
        session_id = uuid.UUID(session["id"])
        token = session["join_url"].rsplit("/", 1)[1]

        async def cancel(session_id: uuid.UUID = session_id) -> None:
            async with unit_of_work(database.sessionmaker) as db:
                await service.cancel(db, tenant.id, session_id, links, utcnow())

        async def join(token: str = token) -> None:
            async with unit_of_work(database.sessionmaker) as db:
                await service.join(db, token, links, utcnow())

        cancel_result, join_result = await asyncio.gather(_attempt(cancel), _attempt(join))
        outcomes = sorted([cancel_result, join_result])
        assert outcomes.count("won") == 1, outcomes
        final = (await client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)).json()[
            "data"
        ]
        history = (
            await client.get(f"/api/v1/sessions/{session_id}/events", headers=tenant.headers)
        ).json()["data"]
        transitions = [e["event"] for e in history if e["event"] != "session.created"]
        if cancel_result == "won":
            winners["cancel"] += 1
            assert final["status"] == "cancelled"
            assert transitions == ["session.cancelled"]
            assert join_result == "session_immutable"
        else:
            winners["join"] += 1
            assert final["status"] == "in_progress"
            assert transitions == ["session.started"]
            assert cancel_result == "invalid_transition"
    assert winners["cancel"] + winners["join"] == 50


async def test_two_tabs_joining_start_the_interview_once(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    links = SessionLinks(settings.base_url, settings.secret_key)
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    token = session["join_url"].rsplit("/", 1)[1]

    async def join() -> str:
        async with unit_of_work(database.sessionmaker) as db:
            joined = await service.join(db, token, links, utcnow())
            return joined.status

    statuses = await asyncio.gather(*(join() for _ in range(5)))
    assert statuses == ["in_progress"] * 5
    history = (
        await client.get(f"/api/v1/sessions/{session['id']}/events", headers=tenant.headers)
    ).json()["data"]
    assert [e["event"] for e in history].count("session.started") == 1


async def test_complete_and_fail_are_terminal_and_recorded(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    from vivavoce.sessions.state import EndReason

    links = SessionLinks(settings.base_url, settings.secret_key)
    world = await build_world(client, tenant.headers)
    first = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    second = await created(
        await client.post(
            "/api/v1/sessions", json=session_body(world, "technical"), headers=tenant.headers
        )
    )
    for item in (first, second):
        async with unit_of_work(database.sessionmaker) as db:
            await service.join(db, item["join_url"].rsplit("/", 1)[1], links, utcnow())
    async with unit_of_work(database.sessionmaker) as db:
        await service.complete(db, tenant.id, uuid.UUID(first["id"]), links, utcnow())
        await service.fail(
            db, tenant.id, uuid.UUID(second["id"]), EndReason.CANDIDATE_ENDED, links, utcnow()
        )
    done = (await client.get(f"/api/v1/sessions/{first['id']}", headers=tenant.headers)).json()[
        "data"
    ]
    failed = (await client.get(f"/api/v1/sessions/{second['id']}", headers=tenant.headers)).json()[
        "data"
    ]
    assert (done["status"], done["end_reason"]) == ("completed", "completed")
    assert done["duration_seconds"] is not None and done["started_at"] and done["ended_at"]
    assert (failed["status"], failed["end_reason"]) == ("failed", "candidate_ended")
    cancel = await client.post(f"/api/v1/sessions/{first['id']}/cancel", headers=tenant.headers)
    assert cancel.status_code == 409 and cancel.json()["code"] == "session_immutable"
