"""One owner per live interview across two real server processes on one database (a server in
the test process and a `vivavoce serve` subprocess): two tabs consenting at once, one on each
process, store one greeting; a tab taken over from the other process is told at once, its
answer is never stored and no question is asked twice."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.web.conftest import Site, running_site
from tests.web.test_join import ANSWERS, new_session, next_of, transcript_of
from tests.web.test_two_processes import ServerProcess, server_process

from vivavoce.config import Settings
from vivavoce.runtime import Database

# Heartbeats come every 20 s with this window, the first 2-20 s after joining: a tab told of
# a takeover within 2 s was told by the takeover's notification, not by its heartbeat.
GRACE_SECONDS = 60
ROUNDS = 6


@pytest.fixture
async def far(
    database: Database, settings: Settings, tmp_path: Path
) -> AsyncIterator[ServerProcess]:
    async with server_process(database, settings, tmp_path, grace_seconds=GRACE_SECONDS) as p:
        yield p


@pytest.fixture
async def near(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp, join_grace_seconds=GRACE_SECONDS) as site:
        yield site


def socket_url(server_url: str, join_url: str) -> str:
    token = join_url.rsplit("/", 1)[1]
    return server_url.replace("http://", "ws://", 1) + f"/join/{token}/ws"


async def taken_over(socket: Any) -> dict[str, Any] | None:
    """Read until the server says the tab was taken over (that frame) or closes (None)."""
    with contextlib.suppress(websockets.ConnectionClosed):
        while True:
            frame: dict[str, Any] = json.loads(await socket.recv())
            if frame["type"] == "status" and frame["state"] == "taken_over":
                return frame
    return None


async def turn_of(socket: Any, speaker: str) -> dict[str, Any]:
    """The next turn frame of `speaker` (earlier ones, e.g. the history, skipped)."""
    while (turn := await next_of(socket, "turn"))["speaker"] != speaker:
        pass
    return turn


async def test_two_tabs_consenting_at_once_on_two_processes_store_one_greeting(
    near: Site, far: ServerProcess, tenant: Tenant
) -> None:
    async with httpx.AsyncClient(base_url=near.url, timeout=30) as api:
        for _ in range(ROUNDS):
            session = await new_session(api, tenant)
            urls = [socket_url(near.url, session["join_url"]), far.ws_url(session["join_url"])]
            async with websockets.connect(urls[0]) as one, websockets.connect(urls[1]) as two:
                consent = json.dumps({"type": "consent"})
                await asyncio.gather(one.send(consent), two.send(consent))
                tabs = {asyncio.ensure_future(taken_over(one)): two}
                tabs[asyncio.ensure_future(taken_over(two))] = one
                done, pending = await asyncio.wait(
                    tabs, timeout=10, return_when=asyncio.FIRST_COMPLETED
                )
                assert done, "neither tab was told the other took the interview"
                winner = tabs[done.pop()]
                for waiting in pending:
                    waiting.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                # the tab left holding the interview carries on from the one greeting
                await winner.send(json.dumps({"type": "answer", "text": ANSWERS[0]}))
                assert (await turn_of(winner, "participant"))["index"] == 1
                assert (await turn_of(winner, "ai"))["index"] == 2
            turns = await transcript_of(api, tenant, session["id"])
            assert [t["speaker"] for t in turns] == ["ai", "participant", "ai"], turns


async def test_a_tab_taken_over_from_the_other_process_is_told_and_fenced(
    near: Site, far: ServerProcess, tenant: Tenant
) -> None:
    async with httpx.AsyncClient(base_url=near.url, timeout=30) as api:
        session = await new_session(api, tenant)
        async with websockets.connect(socket_url(near.url, session["join_url"])) as old:
            await old.send(json.dumps({"type": "consent"}))
            assert (await next_of(old, "status"))["state"] == "live"
            async with websockets.connect(far.ws_url(session["join_url"])) as new:
                await new.send(json.dumps({"type": "resume"}))
                assert (await next_of(new, "status"))["state"] == "live"  # the claim is in
                # the old tab answers at once: whatever reaches the server must be refused
                with contextlib.suppress(websockets.ConnectionClosed):
                    await old.send(json.dumps({"type": "answer", "text": "from the old tab"}))
                told = await asyncio.wait_for(taken_over(old), timeout=2.0)
                assert told is not None
                await new.send(json.dumps({"type": "answer", "text": ANSWERS[0]}))
                assert (await next_of(new, "turn"))["speaker"] == "participant"
                question = await next_of(new, "turn")
                assert question["speaker"] == "ai" and question["index"] == 2
        turns = await transcript_of(api, tenant, session["id"])
        assert [t["text"] for t in turns if t["speaker"] == "participant"] == [ANSWERS[0]]
        ai_texts = [t["text"] for t in turns if t["speaker"] == "ai"]
        assert len(ai_texts) == len(set(ai_texts)) == 2
        assert [t["index"] for t in turns] == [0, 1, 2]
