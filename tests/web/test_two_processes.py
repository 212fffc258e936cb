"""The live room across server processes on one database, through the real room: the
candidate talks to one `vivavoce serve` (a subprocess) while a recruiter follows the transcript
over SSE from another; then the candidate's process is SIGKILLed — the grace check, run by
the surviving process's worker, fails an abandoned interview as `disconnected` once the grace
window has passed, and a candidate who rejoins on the surviving process within the window
resumes in the same place."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer, eventually
from tests.sessions.test_transcript import VIVAVOCE, free_port, read_events
from tests.web.conftest import Site, running_site
from tests.web.test_join import ANSWERS, new_session, next_of, session_of, transcript_of

from vivavoce.config import Settings
from vivavoce.runtime import Database

GRACE_SECONDS = 5  # the smallest grace window the settings allow


@dataclass
class ServerProcess:
    url: str
    process: asyncio.subprocess.Process

    def ws_url(self, join_url: str) -> str:
        token = join_url.rsplit("/", 1)[1]
        return self.url.replace("http://", "ws://", 1) + f"/join/{token}/ws"

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to the socket, no `disconnected` bookkeeping."""
        self.process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self.process.wait(), timeout=10)


@contextlib.asynccontextmanager
async def server_process(
    database: Database, settings: Settings, workdir: Path, grace_seconds: int = GRACE_SECONDS
) -> AsyncIterator[ServerProcess]:
    """`vivavoce serve` (with its worker) in a subprocess, on the test database."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "VIVAVOCE_ENV": "test",
        "VIVAVOCE_DATABASE_URL": database.url,
        "VIVAVOCE_SECRET_KEY": settings.secret_key,
        "VIVAVOCE_PUBLIC_URL": url,
        "VIVAVOCE_JOIN_GRACE_SECONDS": str(grace_seconds),
        "VIVAVOCE_DATABASE_POOL_SIZE": "4",
        "VIVAVOCE_LOG_LEVEL": "warning",
        # replies at once, as in every in-process test (tests/conftest.py)
        "VIVAVOCE_INTERVIEWER_REVEAL_WORDS_PER_SECOND": "0",
    }
    process = await asyncio.create_subprocess_exec(
        VIVAVOCE,
        "serve",
        "--port",
        str(port),
        env=env,
        cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                try:
                    if (await http.get(f"{url}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.returncode is None, "vivavoce serve exited"
                await asyncio.sleep(0.1)
        yield ServerProcess(url, process)
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=20)


@pytest.fixture
async def candidate_process(
    database: Database, settings: Settings, tmp_path: Path
) -> AsyncIterator[ServerProcess]:
    async with server_process(database, settings, tmp_path) as running:
        yield running


@pytest.fixture
async def survivor(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    """The other process: a server with its worker, where the recruiter (and, later, the
    candidate) connect."""
    async with running_site(settings, database, smtp, join_grace_seconds=GRACE_SECONDS) as site:
        yield site


async def test_turns_on_one_process_stream_live_from_the_other(
    candidate_process: ServerProcess, survivor: Site, tenant: Tenant
) -> None:
    async with httpx.AsyncClient(base_url=survivor.url, timeout=30) as api:
        session = await new_session(api, tenant)
        stream_url = f"/api/v1/sessions/{session['id']}/transcript/stream"
        arrivals: list[tuple[float, dict[str, Any]]] = []
        said: list[tuple[float, dict[str, Any]]] = []

        async with api.stream("GET", stream_url, headers=tenant.headers) as response:
            assert response.status_code == 200

            async def follow() -> None:
                async for event in _events(response):
                    arrivals.append((time.monotonic(), event))

            follower = asyncio.create_task(follow())
            async with websockets.connect(candidate_process.ws_url(session["join_url"])) as ws:
                await ws.send(json.dumps({"type": "consent"}))
                for answer in ANSWERS[:3]:
                    said.append((time.monotonic(), await next_of(ws, "turn")))  # the AI
                    await ws.send(json.dumps({"type": "answer", "text": answer}))
                    said.append((time.monotonic(), await next_of(ws, "turn")))  # the answer
                said.append((time.monotonic(), await next_of(ws, "turn")))
                await eventually(lambda: len(arrivals) >= len(said), within=15, every=0.05)
            follower.cancel()

        # no turn missed, order kept, and each one live: on the recruiter's stream within a
        # moment of the candidate's socket
        assert [e["id"] for _, e in arrivals] == [t["index"] for _, t in said]
        assert [e["data"]["text"] for _, e in arrivals] == [t["text"] for _, t in said]
        assert [e["data"]["speaker"] for _, e in arrivals][:2] == ["ai", "participant"]
        lags = [seen - sent for (seen, _), (sent, _) in zip(arrivals, said, strict=True)]
        assert max(lags) < 3.0, lags

        # a recruiter reconnecting with Last-Event-ID gets only what they missed
        headers = tenant.headers | {"Last-Event-ID": "3"}
        async with api.stream("GET", stream_url, headers=headers) as response:
            missed = await asyncio.wait_for(read_events(response, len(said) - 4), timeout=20)
        assert [e["id"] for e in missed] == [t["index"] for _, t in said[4:]]
        assert (await session_of(api, tenant, session["id"]))["status"] == "in_progress"


async def _events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    current: dict[str, Any] = {}
    async for line in response.aiter_lines():
        if line == "":
            if current.get("event") == "turn":
                yield current
            current = {}
        elif line.startswith("id: "):
            current["id"] = int(line[4:])
        elif line.startswith("event: "):
            current["event"] = line[7:]
        elif line.startswith("data: "):
            current["data"] = json.loads(line[6:])


async def test_killed_process_grace_expiry_and_rejoin_on_the_survivor(
    candidate_process: ServerProcess, survivor: Site, tenant: Tenant
) -> None:
    async with httpx.AsyncClient(base_url=survivor.url, timeout=30) as api:
        abandoned = await new_session(api, tenant)
        rejoined = await new_session(api, tenant)
        sockets = []
        for session in (abandoned, rejoined):
            ws = await websockets.connect(candidate_process.ws_url(session["join_url"]))
            sockets.append(ws)
            await ws.send(json.dumps({"type": "consent"}))
            await next_of(ws, "turn")
        await sockets[1].send(json.dumps({"type": "answer", "text": ANSWERS[0]}))
        await next_of(sockets[1], "turn")  # the answer
        question = await next_of(sockets[1], "turn")  # the first question
        assert question["speaker"] == "ai" and question["index"] == 2

        await candidate_process.kill()
        killed_at = time.monotonic()
        for ws in sockets:
            ws.transport.abort()

        # the candidate comes back within the grace window, on the surviving process
        await asyncio.sleep(1.0)
        token_url = rejoined["join_url"].replace("http://", "ws://", 1) + "/ws"
        async with websockets.connect(token_url) as ws:
            await ws.send(json.dumps({"type": "resume"}))
            history = [await next_of(ws, "turn") for _ in range(3)]
            assert [t["index"] for t in history] == [0, 1, 2]
            assert history[2]["text"] == question["text"]  # the same question, not a new one
            live = await next_of(ws, "status")
            assert live["state"] == "live" and live["elapsed_seconds"] >= 1.0
            await ws.send(json.dumps({"type": "answer", "text": ANSWERS[1]}))
            assert (await next_of(ws, "turn"))["index"] == 3
            assert (await next_of(ws, "turn"))["speaker"] == "ai"  # the interview goes on

            # the abandoned one is still in progress until its window has passed ...
            await asyncio.sleep(max(0.0, killed_at + GRACE_SECONDS * 0.5 - time.monotonic()))
            assert (await session_of(api, tenant, abandoned["id"]))["status"] == "in_progress"
            # ... and then fails, by the survivor's worker: the holder's process is gone
            deadline = time.monotonic() + 30
            while (await session_of(api, tenant, abandoned["id"]))["status"] == "in_progress":
                assert time.monotonic() < deadline, "the grace check never failed the session"
                await asyncio.sleep(0.2)
            failed_after = time.monotonic() - killed_at
        failed = await session_of(api, tenant, abandoned["id"])
        assert failed["status"] == "failed" and failed["end_reason"] == "disconnected"
        assert failed_after >= GRACE_SECONDS * 0.5
        assert len(await transcript_of(api, tenant, abandoned["id"])) == 1  # the greeting kept
        # the rejoined interview was held the whole time by its live connection
        assert (await session_of(api, tenant, rejoined["id"]))["status"] == "in_progress"
