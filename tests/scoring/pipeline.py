"""Holding interviews for the scoring tests: create or find a session, answer, complete."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile
from tests.fixtures.world import add_participant, created
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.sessions import service, transcript
from vivavoce.sessions.service import SessionLinks

QUESTION = "How would you design a service that ingests a million events per minute?"


async def pipeline(
    client: httpx.AsyncClient,
    tenant: Tenant,
    rules: tuple[str, ...],
    *,
    pass_threshold: float = 40,
    email: str = "grace@example.com",
) -> dict[str, Any]:
    """A template whose stages s0, s1, … have these automation rules; returns ids."""
    headers = tenant.headers
    profile = await created(
        await client.post("/api/v1/agent-profiles", json=agent_profile(), headers=headers)
    )
    template = await created(
        await client.post(
            "/api/v1/evaluation-templates",
            json={"template_name": "Backend engineer", "use_case": "hiring"},
            headers=headers,
        )
    )
    for order, rule in enumerate(rules):
        await created(
            await client.post(
                "/api/v1/evaluation-stages",
                json={
                    "evaluation_template_id": template["id"],
                    "type": f"s{order}",
                    "stage_order": order,
                    "agent_profile_id": profile["id"],
                    "automation_rule": rule,
                    "pass_threshold": pass_threshold,
                },
                headers=headers,
            )
        )
    participant = await add_participant(client, headers, template["id"], email)
    return {"template_id": template["id"], "participant_id": participant}


async def schedule(
    client: httpx.AsyncClient, tenant: Tenant, world: dict[str, Any], stage: str
) -> dict[str, Any]:
    body = {
        "candidate_id": world["participant_id"],
        "evaluation_template_id": world["template_id"],
        "stage": stage,
    }
    return await created(await client.post("/api/v1/sessions", json=body, headers=tenant.headers))


async def sessions_of(
    client: httpx.AsyncClient, tenant: Tenant, world: dict[str, Any], stage: str | None = None
) -> list[dict[str, Any]]:
    params = {"candidate_id": world["participant_id"]}
    if stage:
        params["stage"] = stage
    response = await client.get("/api/v1/sessions", params=params, headers=tenant.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def say(
    database: Database,
    session_id: uuid.UUID,
    speaker: str,
    text: str,
    meta: dict[str, Any] | None = None,
) -> None:
    now = utcnow()
    async with unit_of_work(database.sessionmaker) as db:
        await transcript.append_turn(
            db,
            session_id,
            speaker,  # type: ignore[arg-type]
            text,
            now - timedelta(seconds=2),
            now,
            meta,
        )


QUESTIONS = (
    QUESTION,
    "What happens in that design when a consumer crashes halfway through a batch?",
    "How would you explain the design and its trade-offs to the product team?",
)


async def interview(
    database: Database,
    settings: Settings,
    tenant: Tenant,
    session: dict[str, Any],
    answer: str | Sequence[str],
) -> uuid.UUID:
    """Join, answer one question per answer given (QUESTIONS in order), and let the AI close
    the interview."""
    answers = [answer] if isinstance(answer, str) else list(answer)
    links = SessionLinks(settings.base_url, settings.secret_key)
    session_id = uuid.UUID(session["id"])
    async with unit_of_work(database.sessionmaker) as db:
        await service.join(db, session["join_url"].rsplit("/", 1)[1], links, utcnow())
    await say(database, session_id, "ai", "Hello, I'm Ada. Ready?", {"move": "greet"})
    await say(database, session_id, "participant", "Yes.")
    for number, text in enumerate(answers, start=1):
        question = {"move": "ask", "question_id": f"q{number}"}
        await say(database, session_id, "ai", QUESTIONS[number - 1], question)
        await say(database, session_id, "participant", text)
    await say(database, session_id, "ai", "Thank you, goodbye.", {"move": "close"})
    async with unit_of_work(database.sessionmaker) as db:
        await service.complete(db, tenant.id, session_id, links, utcnow())
    return session_id


async def scored(
    client: httpx.AsyncClient, tenant: Tenant, session_id: uuid.UUID, within: float = 30
) -> dict[str, Any]:
    """The session once its scorecard is there."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        response = await client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)
        data: dict[str, Any] = response.json()["data"]
        if data["scored_at"] is not None:
            return data
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"session {session_id} was not scored in {within} s")
        await asyncio.sleep(0.1)
