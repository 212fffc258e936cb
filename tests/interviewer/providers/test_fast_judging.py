"""Fast judging in the live room: while a slow model judges the candidate's turn, the move the
offline judge's verdict leads to is worded ahead, so the judge delays the reply by at most its
deadline; a verdict that arrives in time and changes the move wins, and the words worded
ahead are never shown."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import text

from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.fixtures.model_servers import (
    ModelServer,
    default_brain,
    running_model_server,
    voice_reply,
)
from vivavoce.config import Settings
from vivavoce.runtime import Database

READY = "Yes, I'm ready."


def repeat_please(body: dict[str, Any]) -> str:
    """A model judge that hears every turn as a request to say it again."""
    if body["messages"][0]["content"].startswith("You classify one candidate turn"):
        return json.dumps(
            {
                "kind": "repeat_request",
                "needs_follow_up": False,
                "reason": "none",
                "addressed_to_scorer": False,
            }
        )
    return default_brain(body)


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _answer_once(
    settings: Settings,
    database: Database,
    tenant: Tenant,
    smtp: SmtpServer,
    fake: ModelServer,
    deadline: float,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Greeting, one answer, the frames up to the interviewer's next stored turn, and the
    stored turns with their metadata."""
    from tests.web.conftest import running_site
    from tests.web.test_join import new_session, next_of, ws_url

    async with (
        running_site(
            settings,
            database,
            smtp,
            llm_base_url=fake.api_url,
            llm_model=fake.model,
            llm_max_retries=0,
            llm_judge_deadline_seconds=deadline,
        ) as site,
        httpx.AsyncClient(base_url=site.url, timeout=10) as api,
    ):
        session = await new_session(api, tenant)
        async with websockets.connect(ws_url(session["join_url"])) as ws:
            await ws.send(json.dumps({"type": "consent"}))
            await next_of(ws, "turn")
            await ws.send(json.dumps({"type": "answer", "text": READY}))
            frames = await _frames_until_the_next_ai_turn(ws)
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT text, meta FROM session_turns WHERE session_id = :s ORDER BY index"),
            {"s": session["id"]},
        )
        turns = [{"text": row.text, "meta": row.meta} for row in rows]
    return frames, turns


async def _frames_until_the_next_ai_turn(ws: Any) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(20):
        while True:
            frames.append(json.loads(await ws.recv()))
            if frames[-1]["type"] == "turn" and frames[-1]["speaker"] == "ai":
                return frames


async def test_a_judge_past_its_deadline_leaves_the_turn_to_the_offline_judge_and_the_words_worded_meanwhile(
    settings: Settings, database: Database, tenant: Tenant, smtp: SmtpServer
) -> None:
    async with running_model_server("vllm", judge_waits="never") as fake:
        frames, turns = await _answer_once(settings, database, tenant, smtp, fake, deadline=0.5)
        arrivals = list(fake.arrivals)
    judged = next(i for i, (kind, _) in enumerate(arrivals) if kind == "judge")
    after = [(kind, serving) for kind, serving in arrivals[judged + 1 :] if kind == "voice"]
    # the next move was worded while the judge was still being served, and only once
    assert len(after) == 1 and "judge" in after[0][1]
    answer = turns[1]
    assert answer["text"] == READY
    assert answer["meta"]["judgement"]["kind"] == "answer"  # the offline judge's verdict
    assert turns[2]["meta"]["move"] == "ask"
    shown = "".join(f["text"] for f in frames if f["type"] == "ai_delta")
    assert shown == turns[2]["text"] == frames[-1]["text"]


async def test_a_verdict_in_time_that_changes_the_move_wins_and_the_early_words_are_never_shown(
    settings: Settings, database: Database, tenant: Tenant, smtp: SmtpServer
) -> None:
    async with running_model_server("vllm", judge_waits="voice", brain=repeat_please) as fake:
        frames, turns = await _answer_once(settings, database, tenant, smtp, fake, deadline=60)
        voices = fake.of_kind("voice")
    # the judge answered once the early wording had reached the model server
    worded_ahead = voice_reply(voices[1])
    assert worded_ahead != turns[2]["text"]
    assert turns[1]["meta"]["judgement"]["kind"] == "repeat_request"  # the model's verdict
    assert turns[2]["meta"]["move"] == "repeat"
    shown = "".join(f["text"] for f in frames if f["type"] == "ai_delta")
    assert shown == turns[2]["text"]
    assert worded_ahead not in shown  # the question worded ahead never showed
