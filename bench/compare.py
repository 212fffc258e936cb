"""How long the compare-candidates table takes at its largest: one stage with BENCH_CANDIDATES
(default 500, the table's cap) scored candidates, and a few more scorecards each (retakes,
which the table must skip for the latest one).

1. A throwaway database (embedded PostgreSQL in a temporary directory, or a fresh database on
   the server at `VIVAVOCE_DATABASE_URL`), migrated.
2. Through the services: a workspace, a template with one stage, the candidates and their
   sessions; then the scorecards (score, two dimensions with confidence, scored_at) written
   by SQL, BENCH_RETAKES (default 2) per candidate; a tenth of the candidates shortlisted.
3. `compare.service.comparison` — the call behind the page and the API — BENCH_REPEATS
   (default 30) times per sort, each in its own transaction: p50 and p95 in ms.

    .venv/bin/python bench/compare.py
    VIVAVOCE_DATABASE_URL=postgresql://postgres@127.0.0.1/postgres .venv/bin/python \
        bench/compare.py
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from machine import machine
from webhooks import Deadline, throwaway_database

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "500"))
RETAKES = int(os.environ.get("BENCH_RETAKES", "2"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "30"))
SORTS = (("score", "desc"), ("name", "asc"), ("dim:design", "desc"), ("confidence", "asc"))


async def prepare(settings: Any) -> tuple[uuid.UUID, uuid.UUID]:
    from vivavoce.compare import service as compare
    from vivavoce.kit.clock import utcnow
    from vivavoce.kit.db import unit_of_work
    from vivavoce.participants import service as participants
    from vivavoce.participants.schemas import ParticipantCreate
    from vivavoce.runtime import open_database
    from vivavoce.sessions import service as sessions
    from vivavoce.sessions.schemas import SessionCreate
    from vivavoce.templates import service as templates
    from vivavoce.templates.schemas import StageCreate, TemplateCreate
    from vivavoce.templates.visibility import Reader
    from vivavoce.workspaces.actors import ReviewerIdentity
    from vivavoce.workspaces.service import create_workspace

    links = sessions.SessionLinks(settings.base_url, settings.secret_key)
    database = await open_database(settings, url=settings.database_url)
    actor = ReviewerIdentity("user", None, "bench@example.com")
    try:
        async with unit_of_work(database.sessionmaker) as db:
            workspace = await create_workspace(db, "bench", "Bench")
            template = await templates.create_template(
                db, workspace.id, TemplateCreate(template_name="Backend", use_case="hiring")
            )
            await templates.create_stage(
                db,
                workspace.id,
                StageCreate(evaluation_template_id=template.id, type="screen", allow_retake=True),
            )
        async with unit_of_work(database.sessionmaker) as db:
            for number in range(CANDIDATES):
                person = await participants.create(
                    db,
                    workspace.id,
                    ParticipantCreate(
                        name=f"Candidate {number:04d}",
                        email=f"c{number}@example.com",
                        evaluation_template_id=template.id,
                    ),
                )
                for _ in range(RETAKES):
                    body = SessionCreate(
                        candidate_id=person.id,
                        evaluation_template_id=template.id,
                        stage="screen",
                        force=True,
                    )
                    await sessions.schedule(db, workspace.id, body, links, utcnow())
                if number % 10 == 0:
                    await compare.add(
                        db, workspace.id, template.id, person.id, Reader(None), actor, utcnow()
                    )
    finally:
        await database.close()
    await write_scorecards(settings.database_url)
    return workspace.id, template.id


async def write_scorecards(url: str) -> None:
    import json

    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        ids = [row["id"] for row in await connection.fetch("SELECT id FROM sessions")]
        rng = random.Random(7)
        for session_id in ids:
            design, talk = round(rng.uniform(1, 10), 1), round(rng.uniform(1, 10), 1)
            breakdown = [
                {
                    "dimension_id": "design",
                    "name": "Design",
                    "weight": 0.6,
                    "score": design,
                    "confidence": rng.choice(["low", "medium", "high"]),
                },
                {
                    "dimension_id": "talk",
                    "name": "Communication",
                    "weight": 0.4,
                    "score": talk,
                    "confidence": rng.choice(["low", "medium", "high"]),
                },
            ]
            await connection.execute(
                "UPDATE sessions SET status = 'completed', score = $2::numeric,"
                " passed = $2::numeric >= 7,"
                " evaluation_breakdown = $3::jsonb,"
                " scored_at = now() - random() * interval '30 days' WHERE id = $1",
                session_id,
                Decimal(str(round(0.6 * design + 0.4 * talk, 1))),
                json.dumps(breakdown),
            )
        await connection.execute("ANALYZE sessions")
    finally:
        await connection.close()


async def measure(settings: Any, workspace_id: uuid.UUID, template_id: uuid.UUID) -> None:
    from vivavoce.compare import service as compare
    from vivavoce.compare.service import Sort
    from vivavoce.kit.db import unit_of_work
    from vivavoce.runtime import open_database
    from vivavoce.templates.visibility import Reader

    database = await open_database(settings, url=settings.database_url, migrate=False)
    try:
        print(f"{'sort':<22} {'rows':>5} {'p50 ms':>8} {'p95 ms':>8}")
        for column, order in SORTS:
            timings, rows = [], 0
            for _ in range(REPEATS):
                started = time.perf_counter()
                async with unit_of_work(database.sessionmaker) as db:
                    table = await compare.comparison(
                        db,
                        workspace_id,
                        template_id,
                        Reader(None),
                        sort=Sort(column, order),  # type: ignore[arg-type]
                    )
                timings.append((time.perf_counter() - started) * 1000)
                rows = len(table["rows"])
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
            label = f"{column} {order}"
            print(f"{label:<22} {rows:>5} {statistics.median(timings):>8.1f} {p95:>8.1f}")
    finally:
        await database.close()


def main() -> int:
    from vivavoce.config import Settings

    deadline = Deadline(float(os.environ.get("BENCH_TIMEOUT", "300")))
    print(f"machine: {machine()}")
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    with (
        tempfile.TemporaryDirectory(prefix="vivavoce-bench-") as tmp,
        throwaway_database(Path(tmp), deadline) as (url, what, _),
    ):
        settings = Settings(
            _env_file=None,
            env="development",
            database_url=url,
            secret_key=secrets.token_urlsafe(32),
        )
        print(f"database: {what}; {CANDIDATES} candidates x {RETAKES} scorecards …")
        workspace_id, template_id = asyncio.run(prepare(settings))
        asyncio.run(measure(settings, workspace_id, template_id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
