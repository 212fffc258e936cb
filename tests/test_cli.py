"""The command-line contract of SPEC §9, run as real processes against the test database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx

from tests.fixtures.database import create_scratch_database, drop_database, server_url
from vivavoce.runtime import Database

VIVAVOCE = str(Path(sys.executable).with_name("vivavoce"))


async def run_cli(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "VIVAVOCE_DATABASE_URL": database_url, "VIVAVOCE_ENV": "development"}
    process = await asyncio.create_subprocess_exec(
        VIVAVOCE, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_keys_create_prints_a_working_secret_on_the_last_line(
    database: Database, client: httpx.AsyncClient
) -> None:
    code, out, err = await run_cli(
        database.url, "keys", "create", "--name", "ci", "--scope", "interviews.read"
    )
    assert code == 0, err
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("vv_live_")
    allowed = await client.get("/api/v1/sessions", headers={"x-api-key": secret})
    assert allowed.status_code == 200
    refused = await client.get("/api/v1/participants", headers={"x-api-key": secret})
    assert refused.status_code == 403


async def test_keys_create_rejects_an_unknown_scope(database: Database) -> None:
    code, _, err = await run_cli(database.url, "keys", "create", "--name", "x", "--scope", "all")
    assert code == 1
    assert "unknown scope" in err


async def test_demo_prints_a_join_url_for_a_scheduled_session(database: Database) -> None:
    code, out, err = await run_cli(database.url, "demo")
    assert code == 0, err
    assert "/join/" in out.strip().splitlines()[-1]


async def test_users_create_refuses_a_duplicate_email(database: Database) -> None:
    args = ("users", "create", "--email", "ops@example.com", "--password", "correct-horse-1")
    first = await run_cli(database.url, *args)
    second = await run_cli(database.url, *args)
    assert first[0] == 0, first[2]
    assert second[0] == 1
    assert "already exists" in second[2]


async def test_migrations_from_several_processes_at_once_apply_once() -> None:
    server = server_url()
    url, name = await create_scratch_database(server)
    try:
        results = await asyncio.gather(*(run_cli(url, "migrate") for _ in range(3)))
        for code, out, err in results:
            assert code == 0, err
            assert "database at revision" in out
    finally:
        await drop_database(server, name)


async def test_doctor_reports_a_healthy_install(database: Database) -> None:
    code, out, err = await run_cli(database.url, "doctor")
    assert code == 0, out + err
    assert "[ok] migrations" in out
    assert "[ok] voice: speech-to-text local, text-to-speech local" in out  # the voice extra
