"""Scoring latency and throughput: from `session.completed` to `session.scored`.

What it does, all on this machine, stopping everything it started, and ending after
BENCH_TIMEOUT seconds (default 300) whatever happens:

1. A throwaway database (embedded PostgreSQL in a temporary directory, or a fresh database on
   the server at `VIVAVOCE_DATABASE_URL`), migrated.
2. Through the services: a workspace, an agent profile with two dimensions, a template and a
   stage, and BENCH_SESSIONS (default 100) sessions in progress, each with a four-question
   transcript whose answers differ (strong, weak, padded, keyword lists).
3. BENCH_WORKERS (default 1) `vivavoce worker` processes with the default (offline) scorer.
4. The sessions are completed one by one at BENCH_RATE per second (default 1), each in its own
   transaction (which enqueues the scoring job); latency = the scorecard's write time (taken in
   its transaction, a few ms before the commit) - the completion's commit time.
5. In this process, the offline scorer alone on the same transcripts (fresh answers each time):
   transcripts per second on one core.

Prints p50/p95/max latency against the target (p95 < 3 s) and the scorer's throughput.

    .venv/bin/python bench/scoring.py
    BENCH_SESSIONS=30 BENCH_RATE=5 .venv/bin/python bench/scoring.py
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from lifetime import stop_on_signals
from machine import machine
from webhooks import Deadline, Worker, throwaway_database

SESSIONS = int(os.environ.get("BENCH_SESSIONS", "100"))
RATE = float(os.environ.get("BENCH_RATE", "1"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "300"))
TARGET_P95 = 3.0

QUESTIONS = [
    "How would you design a service that ingests a million events per minute?",
    "Tell me about an outage you handled.",
    "How do you explain a technical trade-off to a product manager?",
    "How would you make a slow SQL query faster?",
]
ANSWERS = [
    "I'd put stateless ingest nodes behind a load balancer writing to Kafka, partitioned by "
    "device {n} so ordering holds; consumers batch into Postgres every {m} ms, and the queue "
    "absorbs bursts instead of dropping events. The trade-off is a few seconds of read lag.",
    "Our payments API returned 502s for {m} minutes after a deploy; I rolled back first because "
    "customers were failing, then found the connection pool was set to {n} per pod.",
    "I start from what they care about, for example the delay a customer sees, then show two "
    "options with the cost of each, because a comparison beats jargon. Ticket {n}.",
    "I'd run EXPLAIN ANALYZE, look for a sequential scan on the {n} million row table, add an "
    "index on the filter column and check the plan again; it went from {m} ms to 40 ms once.",
    "I am a passionate team player who leverages best practices and synergies, number {n}.",
    "Kafka Redis Kubernetes sharding CQRS index {n} cache {m}",
    "I don't know, I have never done that.",
]


def answer(session: int, question: int) -> str:
    template = ANSWERS[(session * 3 + question) % len(ANSWERS)]
    return template.format(n=session * 7 + question, m=100 + session % 50)


def percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    rank = max(1, round(percent / 100 * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


async def prepare(settings: Any, url: str) -> tuple[list[uuid.UUID], uuid.UUID]:
    """A workspace with SESSIONS sessions in progress, each with every question answered."""
    from vivavoce.kit.db import unit_of_work
    from vivavoce.runtime import open_database
    from vivavoce.sessions import service as sessions

    links = sessions.SessionLinks(settings.base_url, settings.secret_key)
    database = await open_database(settings, url=url)
    ids = []
    try:
        async with unit_of_work(database.sessionmaker) as db:
            workspace_id, template_id = await _template(db)
        for number in range(SESSIONS):
            async with unit_of_work(database.sessionmaker) as db:
                ids.append(await _answered_session(db, workspace_id, template_id, links, number))
    finally:
        await database.close()
    return ids, workspace_id


async def _template(db: Any) -> tuple[uuid.UUID, uuid.UUID]:
    """A new workspace and its template with one `screen` stage (two dimensions)."""
    from vivavoce.agent_profiles import service as profiles
    from vivavoce.agent_profiles.schemas import AgentProfileCreate
    from vivavoce.templates import service as templates
    from vivavoce.templates.schemas import StageCreate, TemplateCreate
    from vivavoce.workspaces.service import create_workspace

    workspace = await create_workspace(db, "bench", "Bench")
    profile = await profiles.create(
        db,
        workspace.id,
        AgentProfileCreate.model_validate(
            {
                "name": "Ada",
                "persona": "I'm Ada.",
                "useCase": "hiring",
                "evaluationDimensions": [
                    {
                        "name": "System Design",
                        "description": "Designs reliable services and explains "
                        "trade-offs and failure modes",
                        "weight": 60,
                    },
                    {
                        "name": "Communication",
                        "description": "Explains clearly, with examples",
                        "weight": 40,
                    },
                ],
            }
        ),
    )
    template = await templates.create_template(
        db, workspace.id, TemplateCreate(template_name="Backend", use_case="hiring")
    )
    await templates.create_stage(
        db,
        workspace.id,
        StageCreate(
            evaluation_template_id=template.id,
            type="screen",
            agent_profile_id=profile.id,
            automation_rule="none",
        ),
    )
    return workspace.id, template.id


async def _answered_session(
    db: Any, workspace_id: uuid.UUID, template_id: uuid.UUID, links: Any, number: int
) -> uuid.UUID:
    """Candidate `number`'s session, joined, with every question asked and answered."""
    from vivavoce.kit.clock import utcnow
    from vivavoce.participants import service as participants
    from vivavoce.participants.schemas import ParticipantCreate
    from vivavoce.sessions import service as sessions
    from vivavoce.sessions import transcript
    from vivavoce.sessions.schemas import SessionCreate

    participant = await participants.create(
        db,
        workspace_id,
        ParticipantCreate(
            name=f"Candidate {number}",
            email=f"c{number}@example.com",
            evaluation_template_id=template_id,
        ),
    )
    body = SessionCreate(
        candidate_id=participant.id, evaluation_template_id=template_id, stage="screen"
    )
    session = (await sessions.schedule(db, workspace_id, body, links, utcnow())).session
    await sessions.join(db, links.token(session.id), links, utcnow())
    now = utcnow()
    for position, question in enumerate(QUESTIONS):
        await transcript.append_turn(
            db, session.id, "ai", question, now, now, {"move": "ask", "question_id": f"q{position}"}
        )
        await transcript.append_turn(
            db, session.id, "participant", answer(number, position), now, now
        )
    return session.id


async def complete_all(
    settings: Any, url: str, ids: list[uuid.UUID], workspace_id: uuid.UUID, deadline: Deadline
) -> dict[uuid.UUID, datetime]:
    from vivavoce.kit.clock import utcnow
    from vivavoce.kit.db import unit_of_work
    from vivavoce.runtime import open_database
    from vivavoce.sessions import service as sessions

    links = sessions.SessionLinks(settings.base_url, settings.secret_key)
    database = await open_database(settings, url=url, migrate=False)
    committed: dict[uuid.UUID, datetime] = {}
    try:
        started = time.monotonic()
        for position, session_id in enumerate(ids):
            if deadline.passed:
                break
            await asyncio.sleep(max(0.0, started + position / RATE - time.monotonic()))
            async with unit_of_work(database.sessionmaker) as db:
                await sessions.complete(db, workspace_id, session_id, links, utcnow())
            committed[session_id] = utcnow()
    finally:
        await database.close()
    return committed


async def scored_times(settings: Any, url: str) -> dict[uuid.UUID, datetime]:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT id, scored_at FROM sessions WHERE scored_at IS NOT NULL"
        )
    finally:
        await connection.close()
    return {row["id"]: row["scored_at"] for row in rows}


def scorer_throughput(count: int) -> float:
    from vivavoce.scoring.offline import shared
    from vivavoce.scoring.rubric import Rubric, RubricDimension
    from vivavoce.scoring.transcript import ScoringTurn, build

    rubric = Rubric(
        dimensions=(
            RubricDimension("system_design", "System Design", "Designs reliable services", 60),
            RubricDimension("communication", "Communication", "Explains clearly", 40),
        )
    )
    scorer = shared()
    salt = secrets.token_hex(3)
    started = time.perf_counter()
    for number in range(count):
        turns = []
        for position, question in enumerate(QUESTIONS):
            turns.append(ScoringTurn(2 * position, "ai", question, f"q{position}"))
            text = answer(number + 1000, position) + f" ({salt}-{number})"
            turns.append(ScoringTurn(2 * position + 1, "participant", text))
        scorer.score(rubric, build(turns))
    return count / (time.perf_counter() - started)


def main() -> int:
    stop_on_signals()
    from vivavoce.config import Settings

    deadline = Deadline(TIMEOUT)
    print(f"machine: {machine()}")
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    with tempfile.TemporaryDirectory(prefix="vivavoce-bench-") as tmp:
        workdir = Path(tmp)
        with throwaway_database(workdir, deadline) as (url, what, _):
            secret_key = secrets.token_urlsafe(32)
            settings = Settings(
                _env_file=None,
                env="development",
                database_url=url,
                secret_key=secret_key,
            )
            print(f"database: {what}; preparing {SESSIONS} sessions in progress …", flush=True)
            ids, workspace_id = asyncio.run(prepare(settings, url))
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(workdir),
                "VIVAVOCE_DATABASE_URL": url,
                "VIVAVOCE_SECRET_KEY": secret_key,
            }
            workers = [Worker(n, env, workdir) for n in range(WORKERS)]
            for worker in workers:
                deadline.cleanups.append(worker.stop)
            try:
                for worker in workers:
                    worker.wait_ready(deadline.share(60))
                print(f"completing them at {RATE:g}/s with {WORKERS} worker(s) …", flush=True)
                committed = asyncio.run(complete_all(settings, url, ids, workspace_id, deadline))
                scored: dict[uuid.UUID, datetime] = {}
                while not deadline.passed:
                    scored = asyncio.run(scored_times(settings, url))
                    if len(scored) >= len(committed):
                        break
                    time.sleep(0.5)
            finally:
                for worker in workers:
                    worker.stop()
                problems = [p for w in workers for p in w.problems()]
    latencies = [
        max(0.0, (scored[s] - committed[s]) / timedelta(seconds=1))
        for s in committed
        if s in scored
    ]
    print(f"\nscored {len(latencies)} of {len(committed)} completed sessions")
    if latencies:
        p50, p95 = statistics.median(latencies), percentile(latencies, 95)
        print(f"{'completed → scored':<22} {'p50':>7} {'p95':>7} {'max':>7}")
        print(f"{'latency (s)':<22} {p50:>7.2f} {p95:>7.2f} {max(latencies):>7.2f}")
        verdict = "met" if p95 < TARGET_P95 else "missed"
        print(f"target p95 < {TARGET_P95:g} s: {verdict} (ratio {p95 / TARGET_P95:.2f})")
    rate = scorer_throughput(20)
    print(f"offline scorer alone: {rate:.1f} transcripts/s (4 answers, 2 dimensions, one core)")
    if problems:
        print("worker log problems:", *problems[:5], sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
