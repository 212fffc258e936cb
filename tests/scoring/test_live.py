"""A whole live interview over the join socket (the built-in offline interviewer, a real
server with its worker on 127.0.0.1): seconds after the AI closes it, the session carries its
scorecard, with citations of what the candidate said, and `session.scored` is in its history."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.web.conftest import running_site
from tests.web.test_join import ANSWERS, new_session, session_of, transcript_of, ws_url
from vivavoce.config import Settings
from vivavoce.runtime import Database


async def turn_or_end(socket: Any) -> dict[str, Any]:
    async with asyncio.timeout(15):
        while True:
            message: dict[str, Any] = json.loads(await socket.recv())
            if message["type"] == "turn" and message.get("speaker") == "ai":
                return message
            if message["type"] == "status" and message.get("state") == "ended":
                return message


async def test_a_completed_live_interview_is_scored_within_seconds(
    settings: Settings, database: Database, tenant: Tenant
) -> None:
    smtp = SmtpServer()
    smtp.start()
    try:
        async with (
            running_site(settings, database, smtp) as site,
            httpx.AsyncClient(base_url=site.url, timeout=10) as api,
        ):
            session = await new_session(api, tenant)
            async with websockets.connect(ws_url(session["join_url"])) as socket:
                await socket.send(json.dumps({"type": "consent"}))
                message = await turn_or_end(socket)
                for step in range(20):
                    if message["type"] == "status":
                        break
                    answer = ANSWERS[min(step, len(ANSWERS) - 1)] if step < 8 else "No."
                    try:
                        await socket.send(json.dumps({"type": "answer", "text": answer}))
                        message = await turn_or_end(socket)
                    except websockets.ConnectionClosed:  # the closing line ended it
                        break
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            card = await session_of(api, tenant, session["id"])
            while card["scored_at"] is None and loop.time() < deadline:
                await asyncio.sleep(0.2)
                card = await session_of(api, tenant, session["id"])
            turns = await transcript_of(api, tenant, session["id"])
            history = await api.get(
                f"/api/v1/sessions/{session['id']}/events", headers=tenant.headers
            )
    finally:
        smtp.stop()
    assert card["status"] == "completed" and card["scored_at"] is not None
    assert card["score"] is not None and card["recommendation"] in ("hire", "no_hire")
    said = {t["index"]: t["text"] for t in turns if t["speaker"] == "participant"}
    citations = [c for d in card["evaluation_breakdown"] for c in d["citations"]]
    assert citations
    assert all(c["turn"] in said and c["quote"] in said[c["turn"]] for c in citations)
    assert {d["dimension_id"] for d in card["evaluation_breakdown"]} == {
        "system_design",
        "communication",
    }
    assert card["scoring"]["scorer"] == "offline"
    assert [e["event"] for e in history.json()["data"]].count("session.scored") == 1
