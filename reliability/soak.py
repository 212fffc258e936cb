"""`make soak`: a bounded soak of a 2 API + 2 worker cluster on loopback.

CONCURRENCY simulated candidates (default 100) hold text interviews back to back for
DURATION seconds (default 600) through both API processes, each followed by an SSE watcher on
the other process, with every event delivered to a local webhook receiver; a recruiter loop
reads lists meanwhile. Everything goes to 127.0.0.1; new interviews stop at the deadline and
the run waits for the last ones (bounded). Prints the error rate, p50/p99 latencies, the
memory of every process over time and the invariants of `tests.fixtures.invariants`.

    .venv/bin/python reliability/soak.py [--concurrency 100] [--duration 600] [--pool-size 20]

The database is a scratch database on VIVAVOCE_TEST_DATABASE_URL or the PostgreSQL service on
127.0.0.1:5432, dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from tests.fixtures import invariants, traffic
from tests.fixtures.cluster import Cluster, Process
from tests.fixtures.receiver import running_receiver
from tests.fixtures.scenarios import Figures, open_run, slow_receiver, summary

SERVICE = "postgresql://postgres@127.0.0.1:5432/postgres"
STREAM_END_SECONDS = 60  # after the candidate saw the end, the recruiter's stream must see it


@dataclass
class SoakResult:
    concurrency: int
    duration: float
    elapsed: float
    figures: Figures
    delivered: int
    processes: list[Process]
    problems: dict[str, list[str]]

    @property
    def error_rate(self) -> float:
        return self.figures.errors / max(1, self.figures.requests + self.figures.interviews)

    def growth_mib(self, process: Process) -> float:
        """RSS growth over the second half of the run: a leak shows here, warm-up does not."""
        samples = [v for _, v in process.rss_samples]
        if len(samples) < 2:
            return 0.0
        return (samples[-1] - samples[len(samples) // 2]) / 2**20


async def soak(
    concurrency: int, duration: float, sample_every: float = 5, pool_size: int = 20
) -> SoakResult:
    server = os.environ.get("VIVAVOCE_TEST_DATABASE_URL") or SERVICE
    # 4 processes * (2 * pool + 3) connections must fit the server's max_connections
    settings = {"VIVAVOCE_DATABASE_POOL_SIZE": str(pool_size)}
    cluster = Cluster(server, apis=2, workers=2, settings=settings)
    await cluster.start()
    figures = Figures()
    try:
        async with running_receiver() as receiver:
            run, setup = await open_run(cluster, receiver)
            slow_receiver(receiver, 0.02)
            deadline = time.monotonic() + duration
            started = time.monotonic()

            async def sampler() -> None:
                while time.monotonic() < deadline + 120:
                    cluster.sample_memory()
                    await asyncio.sleep(sample_every)

            sampling = asyncio.create_task(sampler())
            await asyncio.wait_for(
                asyncio.gather(
                    *(
                        candidate_slot(cluster, setup, run, figures, deadline, slot)
                        for slot in range(concurrency)
                    ),
                    recruiter(cluster, figures, deadline),
                ),
                timeout=duration + 300,
            )
            elapsed = time.monotonic() - started
            sampling.cancel()
            problems = await invariants.settle(run, within=120)
            delivered = len({r.webhook_id for r in receiver.received})
    finally:
        await cluster.close()

    return SoakResult(
        concurrency, duration, elapsed, figures, delivered, cluster.processes, problems
    )


async def candidate_slot(
    cluster: Cluster,
    setup: traffic.Setup,
    run: invariants.Run,
    figures: Figures,
    deadline: float,
    slot: int,
) -> None:
    """One candidate after another until `deadline`: schedule, interview, watch the stream."""

    def urls() -> list[str]:
        return [p.url for p in cluster.live_apis()]

    api = cluster.api_processes[slot % 2]
    async with cluster.client(api) as http:
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                interview = await traffic.schedule(http, setup)
            except (AssertionError, httpx.HTTPError) as exc:
                figures.error(f"schedule: {str(exc)[:80] or type(exc).__name__}")
                figures.requests += 2
                continue
            figures.requests += 2
            figures.add("schedule (2 POSTs)", time.monotonic() - t0)
            run.interviews.append(interview)
            watch = traffic.Watch(interview.session_id)
            run.watches.append(watch)
            watching = asyncio.create_task(
                traffic.watch(watch, urls, cluster.headers, prefer=slot + 1)
            )
            await traffic.Candidate(interview, urls, start_at=slot).run()
            figures.interviews += 1
            if interview.errors or interview.final is None:
                first = interview.errors[0] if interview.errors else "no end"
                figures.error(f"interview: {first[:80]}")
            if not await stream_ended(watching, interview):
                status = await session_status(http, interview.session_id)
                figures.error(f"stream never ended (session {status})")
            for value in interview.answer_latencies:
                figures.add("answer -> AI turn (WebSocket)", value)
            for value in interview.first_word_latencies:
                figures.add("answer -> first AI words", value)


async def recruiter(cluster: Cluster, figures: Figures, deadline: float) -> None:
    """A recruiter reading the lists every half second until `deadline`."""
    async with cluster.client(cluster.api_processes[1]) as http:
        while time.monotonic() < deadline:
            for path in ("/api/v1/sessions", "/api/v1/events", "/api/v1/participants"):
                t0 = time.monotonic()
                try:
                    status = (await http.get(path, params={"limit": 20})).status_code
                    outcome = "" if status == 200 else str(status)
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                figures.requests += 1
                if outcome:
                    figures.error(f"GET {path}: {outcome}")
                figures.add(f"GET {path}", time.monotonic() - t0)
            await asyncio.sleep(0.5)


async def stream_ended(watching: asyncio.Task[traffic.Watch], interview: traffic.Interview) -> bool:
    """Whether the recruiter's stream saw `end` once the candidate is done: soon after an
    interview the candidate saw end, or briefly after one that broke off (already counted
    as an error). A stream still open then is cancelled and reported, not waited for."""
    within = STREAM_END_SECONDS if interview.final is not None and not interview.errors else 5
    try:
        watch = await asyncio.wait_for(watching, timeout=within)
    except TimeoutError:
        return False
    return watch.ended


async def session_status(http: httpx.AsyncClient, session_id: str) -> str:
    try:
        response = await http.get(f"/api/v1/sessions/{session_id}")
        return str(response.json()["data"]["status"])
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        return f"unknown: {type(exc).__name__}"


def print_report(result: SoakResult) -> None:
    figures = result.figures
    print(
        f"soak: {result.concurrency} concurrent candidates for {result.duration:.0f}s "
        f"({result.elapsed:.0f}s with drain)"
    )
    print(f"interviews completed: {figures.interviews}; events delivered: {result.delivered}")
    print(
        f"errors: {figures.errors} of {figures.requests} requests + "
        f"{figures.interviews} interviews ({result.error_rate:.3%})"
    )
    for kind, count in sorted(figures.error_kinds.items(), key=lambda item: -item[1]):
        print(f"  {count} x {kind}")
    print(json.dumps(summary(figures.latencies), indent=1))
    print("memory (RSS MiB) first sample -> peak -> last sample, per process:")
    for process in result.processes:
        samples = [v for _, v in process.rss_samples]
        if samples:
            mib = [round(v / 2**20) for v in (samples[0], max(samples), samples[-1])]
            print(
                f"  {process.name}: {mib[0]} -> {mib[1]} -> {mib[2]}  "
                f"(second half: {result.growth_mib(process):+.1f} MiB)"
            )
    print("invariants:", "all hold" if not result.problems else invariants.report(result.problems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--pool-size", type=int, default=20)
    args = parser.parse_args()
    result = asyncio.run(soak(args.concurrency, args.duration, pool_size=args.pool_size))
    print_report(result)
    raise SystemExit(1 if result.problems or result.error_rate > 0.001 else 0)


if __name__ == "__main__":
    main()
