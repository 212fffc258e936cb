"""`make bench`: live offline interviews over real WebSockets against one `vivavoce serve`.

What it does, all on 127.0.0.1, stopping everything it started:

1. A throwaway database (as `bench/api.py`: embedded PostgreSQL under a temporary data
   directory, or a fresh database on the server at `VIVAVOCE_DATABASE_URL`).
2. `vivavoce serve` (with its worker: the grace-check jobs the room schedules run there, as
   in production) on the offline interviewer, in its own process.
3. Through the API: an agent profile, a template whose screen stage has a five-question bank
   (30 minutes), and one participant and one scheduled session per simulated candidate.
4. For each level in `--candidates` (default 50 and 200): that many protocol clients (the
   join page's WebSocket protocol, no browser) consent and read the greeting; with all of them
   live, the server's RSS is sampled: (RSS now - RSS before they connected) / candidates is the
   memory per live session. Then each answers `--answers` times (default 6), waiting a random
   think time (`--think`, default 5-15 s) after each AI turn, as people do; the time from
   sending an answer to receiving the first `ai_delta` of the reply is recorded. Each candidate
   then ends its interview (`end`).
5. A table per level: p50/p99/max time to first token, answers measured, errors, memory per
   live session, peak RSS and server CPU.

The time to first token is measured by the client, so it includes the WebSocket round trip
and the client's own scheduling on the same CPUs: an upper bound of the server's part.

    .venv/bin/python bench/interview.py                        # or: make bench
    .venv/bin/python bench/interview.py --candidates 200 --answers 4 --think 2,6
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import websockets
from lifetime import stop_on_signals
from machine import machine

from api import (  # bench/ is on sys.path when run as a script
    AGENT_PROFILE,
    BIN,
    HOST,
    START_TIMEOUT,
    PeakRss,
    Server,
    create,
    free_port,
    throwaway_database,
)

TARGET_P99_MS = 100.0
TARGET_MIB_PER_SESSION = 1.0
QUESTIONS = [
    "Tell me about a system you designed end to end.",
    "How do you decide what to test, and what not to?",
    "Describe a production incident you handled.",
    "How do you explain technical work to people outside engineering?",
    "What would you improve first in a team you just joined, and why?",
]
ANSWERS = [
    "At my last company I led the redesign of our invoicing service. I split the billing code "
    "into a Python service backed by PostgreSQL, wrote the migration plan, and ran the "
    "dual-write period myself for three weeks; invoice generation went from 40 minutes to 5.",
    "For example, last year our checkout latency doubled after a release. I profiled the "
    "workers, found an N+1 query, rewrote it as one join with an index, added a regression "
    "test and an alert, and p95 latency fell by 60 percent.",
    "Once a customer kept disputing invoices, so I sat with their finance lead, drew the "
    "billing flow on a whiteboard and wrote a one-page guide. Their disputes dropped to zero "
    "within two months and billing tickets fell by half.",
    "I start from the failure that would hurt users most, write the test for that first, and "
    "measure: in my last team we cut flaky tests from 40 to 3 in a quarter by deleting the "
    "ones that tested mocks instead of behaviour.",
]


@dataclass
class Level:
    candidates: int
    first_token_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_before: int = 0
    rss_live: int = 0
    peak_rss: int = 0
    cpu_seconds: float = 0.0
    seconds: float = 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.first_token_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def cpu_per_answer_ms(self) -> float:
        """The server's CPU over the level (joins, greetings and ends included) per answer."""
        answered = len(self.first_token_ms)
        return 1000 * self.cpu_seconds / answered if answered else float("nan")

    @property
    def mib_per_session(self) -> float:
        return (self.rss_live - self.rss_before) / 2**20 / self.candidates


def ws_url(base_url: str, join_url: str) -> str:
    token = join_url.rsplit("/", 1)[1]
    return base_url.replace("http://", "ws://", 1) + f"/join/{token}/ws"


async def receive(socket: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await socket.recv())
    return message


async def until_ai_turn(socket: Any) -> dict[str, Any]:
    """Read until the AI's next stored turn (or the end)."""
    while True:
        message = await receive(socket)
        if message["type"] == "turn" and message["speaker"] == "ai":
            return message
        if message["type"] == "status" and message["state"] != "live":
            return message


class Candidate:
    def __init__(self, url: str, level: Level, answers: int, think: tuple[float, float]) -> None:
        self.url = url
        self.level = level
        self.answers = answers
        self.think = think
        self.socket: Any = None

    async def join(self) -> None:
        self.socket = await websockets.connect(self.url, max_size=2**20, open_timeout=60)
        await self.socket.send(json.dumps({"type": "consent"}))
        await until_ai_turn(self.socket)  # the greeting

    async def converse(self, rng: random.Random) -> None:
        socket = self.socket
        try:
            for n in range(self.answers):
                await asyncio.sleep(rng.uniform(*self.think))
                sent = time.perf_counter()
                text = ANSWERS[(n + rng.randrange(len(ANSWERS))) % len(ANSWERS)]
                await socket.send(json.dumps({"type": "answer", "text": text}))
                first: float | None = None
                while True:
                    message = await receive(socket)
                    kind = message["type"]
                    if kind == "ai_delta" and first is None:
                        first = time.perf_counter()
                        self.level.first_token_ms.append((first - sent) * 1000)
                    elif kind == "turn" and message["speaker"] == "ai":
                        break
                    elif kind == "error":
                        self.level.errors.append(message["code"])
                        break
                    elif kind == "status" and message["state"] != "live":
                        return
            await socket.send(json.dumps({"type": "end"}))
            with contextlib.suppress(websockets.ConnectionClosed):
                while True:
                    await receive(socket)
        except (websockets.WebSocketException, OSError) as exc:
            self.level.errors.append(type(exc).__name__)
        finally:
            await socket.close()


def build_sessions(server: Server, key: str, count: int) -> list[str]:
    """`count` scheduled sessions on a template with a five-question bank; their join URLs."""
    with httpx.Client(base_url=server.base_url, headers={"x-api-key": key}, timeout=60) as client:
        profile = create(client, "/api/v1/agent-profiles", AGENT_PROFILE)
        template = create(
            client,
            "/api/v1/evaluation-templates",
            {"template_name": "Backend engineer", "use_case": "hiring"},
        )
        create(
            client,
            "/api/v1/evaluation-stages",
            {
                "evaluation_template_id": template["id"],
                "type": "screen",
                "stage_order": 0,
                "agent_profile_id": profile["id"],
                "duration_minutes": 30,
                "questions": [{"text": q, "dimensions": ["system_design"]} for q in QUESTIONS],
            },
        )
        urls: list[str] = []
        for start in range(0, count, 100):
            people = create(
                client,
                "/api/v1/participants/bulk",
                {
                    "evaluation_template_id": template["id"],
                    "participants": [
                        {"name": f"Candidate {n}", "email": f"candidate{n}@example.com"}
                        for n in range(start, min(count, start + 100))
                    ],
                },
            )
            for person in people["created"]:
                session = create(
                    client,
                    "/api/v1/sessions",
                    {
                        "candidate_id": person["id"],
                        "evaluation_template_id": template["id"],
                        "stage": "screen",
                    },
                )
                urls.append(ws_url(server.base_url, session["join_url"]))
        return urls


async def run_level(
    server: Server, urls: list[str], answers: int, think: tuple[float, float], seed: int
) -> Level:
    level = Level(candidates=len(urls))
    candidates = [Candidate(url, level, answers, think) for url in urls]
    rng = random.Random(seed)
    level.rss_before = server.rss()
    started = time.monotonic()
    with PeakRss(server) as peak:
        joined = await asyncio.gather(*(c.join() for c in candidates), return_exceptions=True)
        live = [c for c, outcome in zip(candidates, joined, strict=True) if outcome is None]
        level.errors += [type(o).__name__ for o in joined if isinstance(o, BaseException)]
        await asyncio.sleep(1.0)  # let the server settle before sampling
        level.rss_live = server.rss()
        rngs = [random.Random(rng.random()) for _ in live]
        await asyncio.gather(*(c.converse(r) for c, r in zip(live, rngs, strict=True)))
    level.peak_rss = peak.peak
    level.cpu_seconds = peak.cpu
    level.seconds = time.monotonic() - started
    return level


def report(levels: list[Level], database: str, answers: int, think: tuple[float, float]) -> bool:
    load = " ".join(f"{value:.2f}" for value in psutil.getloadavg())
    print()
    print(f"machine : {machine()}")
    print(f"date    : {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average after: {load}")
    print(f"database: {database}")
    print(
        f"load    : {answers} answers per candidate, think time {think[0]:g}-{think[1]:g} s, "
        "offline interviewer, one `vivavoce serve` process with its worker"
    )
    print()
    print(
        "| candidates | answers measured | first token p50 ms | p99 ms | max ms | errors "
        "| MiB per live session | peak RSS MiB | server CPU s | server CPU ms per answer "
        "| wall s |"
    )
    print("|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    met = True
    for level in levels:
        errors = ", ".join(sorted(set(level.errors))) or "none"
        print(
            f"| {level.candidates} | {len(level.first_token_ms)} | {level.percentile(0.5):.1f} "
            f"| {level.percentile(0.99):.1f} | {max(level.first_token_ms, default=0):.1f} "
            f"| {errors} | {level.mib_per_session:.2f} | {level.peak_rss / 2**20:.0f} "
            f"| {level.cpu_seconds:.1f} | {level.cpu_per_answer_ms:.1f} | {level.seconds:.0f} |"
        )
        met = met and not level.errors
    print()
    for level in levels:
        if level.candidates < 200:
            continue
        p99, mib = level.percentile(0.99), level.mib_per_session
        good = p99 < TARGET_P99_MS and mib < TARGET_MIB_PER_SESSION
        met = met and good
        print(
            f"{level.candidates} concurrent: p99 first token {p99:.1f} ms (target < "
            f"{TARGET_P99_MS:.0f}), {mib:.2f} MiB per live session (target < "
            f"{TARGET_MIB_PER_SESSION:.0f}): {'met' if good else 'MISSED'}"
        )
    return met


def main() -> int:
    stop_on_signals()
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--candidates", default="50,200", help="levels, comma-separated")
    parser.add_argument("--answers", type=int, default=6, help="answers per candidate")
    parser.add_argument("--think", default="5,15", help="think time range in seconds: MIN,MAX")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    levels_wanted = [int(n) for n in args.candidates.split(",") if n.strip()]
    low, high = (float(x) for x in args.think.split(","))
    think = (low, high)

    workdir = Path(tempfile.mkdtemp(prefix="vivavoce-bench-interview-"))
    workdir.chmod(0o755)  # the embedded server runs as its own user when we are root
    levels: list[Level] = []
    try:
        with throwaway_database(workdir) as (_, database_env):
            env = {k: v for k, v in os.environ.items() if not k.startswith("VIVAVOCE_")}
            env.update(database_env)
            env.update(
                VIVAVOCE_ENV="development",
                VIVAVOCE_LOG_LEVEL="warning",
                VIVAVOCE_RATE_LIMIT_PER_MINUTE="100000000",
                VIVAVOCE_RATE_LIMIT_BURST="10000000",
                VIVAVOCE_DATABASE_POOL_SIZE="20",
            )
            database = (
                "PostgreSQL at VIVAVOCE_DATABASE_URL (a fresh database)"
                if "VIVAVOCE_DATABASE_URL" in database_env
                else "embedded PostgreSQL (temporary data directory)"
            )
            created = subprocess.run(
                [str(BIN / "vivavoce"), "keys", "create", "--name", "bench"],
                env=env,
                cwd=workdir,
                capture_output=True,
                text=True,
                timeout=START_TIMEOUT,
                check=True,
            )
            key = created.stdout.strip().splitlines()[-1]
            port = free_port()
            command = [str(BIN / "vivavoce"), "serve", "--host", HOST, "--port", str(port)]
            server = Server("vivavoce", command, env, workdir / "vivavoce.log")
            try:
                server.wait_ready()
                print(f"vivavoce on :{server.port}; creating sessions …", flush=True)
                total = sum(levels_wanted) + 5
                urls = build_sessions(server, key, total)
                print("warming up with 5 interviews …", flush=True)
                asyncio.run(run_level(server, urls[:5], 2, (0.1, 0.3), args.seed))
                offset = 5
                for count in levels_wanted:
                    print(f"{count} concurrent candidates …", flush=True)
                    chunk = urls[offset : offset + count]
                    offset += count
                    levels.append(
                        asyncio.run(run_level(server, chunk, args.answers, think, args.seed))
                    )
            finally:
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    met = report(levels, database, args.answers, think)
    print("targets met" if met else "targets MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
