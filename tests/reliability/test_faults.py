"""SPEC §2 and §9 under faults: processes SIGKILLed mid-interview and mid-delivery, and the
database itself restarted under load.

Afterwards no committed turn, event, scorecard or delivery is lost (`tests.fixtures.invariants.CHECKS`),
interrupted interviews resume on the other API process within the grace window or fail
`disconnected` past it, `/readyz` says 503 while the database is down, and the service
answers again within 30 s of the database coming back.
"""

from __future__ import annotations

import pytest

from tests.fixtures import invariants, scenarios
from tests.fixtures.cluster import Cluster
from tests.fixtures.private_postgres import PrivatePostgres
from tests.fixtures.receiver import Receiver

pytestmark = pytest.mark.slow


async def test_killed_api_and_worker_lose_nothing(
    service_url: str, hook_receiver: Receiver
) -> None:
    async with scenarios.silent_llm() as llm:  # scoring jobs stay claimed ~2 s each
        cluster = Cluster(
            service_url, apis=2, workers=2, grace_seconds=6, settings=scenarios.slow_scoring(llm)
        )
        await _killed_api_and_workers(await cluster.start(), hook_receiver)


async def _killed_api_and_workers(cluster: Cluster, hook_receiver: Receiver) -> None:
    try:
        faults = [
            scenarios.Fault("api", at=4.0, restart_after=4.0, index=0, until="live_interviews"),
            scenarios.Fault("worker", at=1.0, restart_after=3.0, index=0, until="claimed_jobs"),
            scenarios.Fault("worker", at=8.0, restart_after=3.0, index=1, until="claimed_scoring"),
        ]
        run, figures = await scenarios.interviews_with_faults(
            cluster, hook_receiver, interviews=10, abandoners=2, faults=faults
        )
        problems = await invariants.settle(run, within=90)
        assert not problems, invariants.report(problems) + "\n" + "\n".join(figures.notes)

        assert faults[0].in_flight["live_interviews"] > 0, figures.notes  # mid-interview
        assert faults[1].in_flight["claimed_jobs"] > 0, figures.notes  # mid-delivery
        assert faults[2].in_flight["claimed_scoring"] > 0, figures.notes  # mid-scoring
        resumed = [i for i in run.interviews if i.expect == "completed" and i.reconnects]
        assert resumed, "no interview was interrupted by the kill"
        for interview in resumed:  # continued on another process
            assert len(set(interview.processes)) > 1, interview.processes
        assert all(i.abandoned for i in run.interviews if i.expect == "disconnected")
    finally:
        await cluster.close()


async def test_database_restart_under_load(hook_receiver: Receiver) -> None:
    server = PrivatePostgres().init()
    server.start()
    cluster = Cluster(server.url, apis=2, workers=1)
    try:
        await cluster.start()
        run, report = await scenarios.restart_database(cluster, server, hook_receiver)
        assert report.readyz_while_down, "no /readyz answer while the database was down"
        assert set(report.readyz_while_down) == {503}, report
        assert set(report.healthz_while_down) == {200}, report
        assert 0 <= report.ready_after < 30, report
        assert 0 <= report.recovered_after < 30, report
        assert not report.lost_writes, report
        problems = await invariants.settle(run, within=60)
        assert not problems, invariants.report(problems) + "\n" + cluster.logs()
    finally:
        await cluster.close()
        server.destroy()
