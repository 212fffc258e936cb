"""SPEC §9 scale-out: two API processes and two workers on one external PostgreSQL.

Interviews run on both API processes over the join room's WebSocket, each transcript is
followed over SSE from the *other* API process (so every live turn crosses processes through
LISTEN/NOTIFY), and every event goes to a webhook receiver on 127.0.0.1 that verifies the
signatures. Afterwards every check in `tests.fixtures.invariants.CHECKS` must hold, with
exactly-once delivery since nothing failed.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.fixtures import invariants, traffic
from tests.fixtures.cluster import Cluster
from tests.fixtures.receiver import Receiver

pytestmark = pytest.mark.slow

INTERVIEWS = 8


async def test_interviews_on_two_api_processes_stream_and_deliver_across_processes(
    service_url: str, hook_receiver: Receiver
) -> None:
    cluster = await Cluster(service_url, apis=2, workers=2).start()
    try:
        run = invariants.Run(cluster, hook_receiver)
        apis = cluster.api_processes
        clients = [cluster.client(p) for p in apis]
        hook_receiver.secrets.append(
            await traffic.register_receiver(clients[0], hook_receiver.url("/hook"))
        )
        setup = await traffic.prepare(clients[1])
        run.interviews = [await traffic.schedule(clients[i % 2], setup) for i in range(INTERVIEWS)]
        run.watches = [traffic.Watch(i.session_id) for i in run.interviews]

        def urls() -> list[str]:
            return [p.url for p in cluster.live_apis()]

        candidates = [
            traffic.Candidate(interview, urls, start_at=n % 2)
            for n, interview in enumerate(run.interviews)
        ]
        watchers = [
            traffic.watch(w, urls, cluster.headers, prefer=(n + 1) % 2, within=240)
            for n, w in enumerate(run.watches)
        ]
        await asyncio.wait_for(
            asyncio.gather(*(c.run() for c in candidates), *watchers), timeout=300
        )
        problems = await invariants.settle(run, within=60)
        assert not problems, invariants.report(problems) + "\n" + cluster.logs()

        for n, interview in enumerate(run.interviews):  # candidate and watcher apart
            assert interview.processes[0] == apis[n % 2].url
            assert run.watches[n].processes[0] == apis[(n + 1) % 2].url
            assert interview.reconnects == 0
        async with cluster.sql() as sql:
            types = {r["type"] for r in await sql.fetch("SELECT DISTINCT type FROM events")}
            events = await sql.fetchval("SELECT count(*) FROM events")
        assert {"session.created", "session.started", "session.completed"} <= types
        assert events >= 4 * INTERVIEWS  # participant, created, started, completed
        assert len({r.webhook_id for r in hook_receiver.received}) == events
        latencies = [x for i in run.interviews for x in i.answer_latencies]
        print(f"events {events}; p99 answer to AI turn {traffic.percentile(latencies, 0.99):.2f}s")
    finally:
        for client in clients:
            await client.aclose()
        await cluster.close()
