"""Scoring a stored voice interview: the recogniser's word confidences stored with each
spoken turn (`session_turns.words`) reach the scorer, so words it was unsure of are never
cited, quoted or counted as concrete details, and a poorly recognised interview is flagged
for review, saying why."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import Tenant
from tests.scoring.pipeline import QUESTIONS, pipeline, schedule
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.jobs import JobContext
from vivavoce.kit.recognition import to_stored
from vivavoce.runtime import Database
from vivavoce.scoring import tasks
from vivavoce.sessions import service, transcript
from vivavoce.sessions.service import SessionLinks

MISHEARD = (
    "We kept the ledger in Wambrick and replicated it to West because reads dominate, and "
    "I sized the partitions from the peak of ninety thousand events a second."
)


def recognised(text: str, unsure: set[str]) -> list[dict[str, Any]] | None:
    """The words of `text` as the recogniser would give them: `unsure` ones at p 0.2."""
    return to_stored([(w, 0.2 if w.strip(".,") in unsure else 0.95) for w in text.split()])


async def spoken_interview(
    database: Database,
    settings: Settings,
    tenant: Tenant,
    session: dict[str, Any],
    answers: list[tuple[str, set[str]]],
) -> uuid.UUID:
    links = SessionLinks(settings.base_url, settings.secret_key)
    session_id = uuid.UUID(session["id"])
    async with unit_of_work(database.sessionmaker) as db:
        await service.join(db, session["join_url"].rsplit("/", 1)[1], links, utcnow())
    turns: list[tuple[str, str, dict[str, Any] | None, list[dict[str, Any]] | None]] = [
        ("ai", "Hello, I'm Ada. Ready?", {"move": "greet"}, None),
        ("participant", "Yes.", None, recognised("Yes.", set())),
    ]
    for number, (text, unsure) in enumerate(answers, start=1):
        ask = {"move": "ask", "question_id": f"q{number}"}
        turns.append(("ai", QUESTIONS[number - 1], ask, None))
        turns.append(("participant", text, None, recognised(text, unsure)))
    turns.append(("ai", "Thank you, goodbye.", {"move": "close"}, None))
    for speaker, text, meta, words in turns:
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
                words=words,
            )
    async with unit_of_work(database.sessionmaker) as db:
        await service.complete(db, tenant.id, session_id, links, utcnow())
    await tasks.score_session(
        JobContext(settings=settings, sessionmaker=database.sessionmaker),
        {"session_id": str(session_id)},
    )
    return session_id


async def scorecard(client: httpx.AsyncClient, tenant: Tenant, session_id: uuid.UUID) -> Any:
    response = await client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["scored_at"] is not None, data
    return data


async def test_unsure_words_of_a_stored_voice_session_are_never_cited_or_counted(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    world = await pipeline(client, tenant, ("none",), email="voice-a@example.com")
    session = await schedule(client, tenant, world, "s0")
    answers = [(MISHEARD, {"Wambrick", "West"})]
    session_id = await spoken_interview(database, settings, tenant, session, answers)
    card = await scorecard(client, tenant, session_id)
    written = json.dumps([card["ai_feedback"], card["evaluation_breakdown"], card["scoring"]])
    assert "Wambrick" not in written and "West" not in written, written
    assert card["evaluation_breakdown"], card
    # 2 of 30 words: not a poorly recognised interview
    assert not any("poorly recognised" in r for r in card["scoring"]["review_reasons"]), card


async def test_a_poorly_recognised_stored_voice_session_is_flagged_for_review(
    client: httpx.AsyncClient, tenant: Tenant, database: Database, settings: Settings
) -> None:
    world = await pipeline(client, tenant, ("none",), email="voice-b@example.com")
    session = await schedule(client, tenant, world, "s0")
    every_other = set(MISHEARD.replace(",", "").replace(".", "").split()[::2])
    session_id = await spoken_interview(
        database, settings, tenant, session, [(MISHEARD, every_other)]
    )
    card = await scorecard(client, tenant, session_id)
    poorly = [r for r in card["scoring"]["review_reasons"] if "poorly recognised" in r]
    assert poorly and card["needs_human_review"] is True, card
    assert "the speech recogniser was unsure of" in poorly[0]
