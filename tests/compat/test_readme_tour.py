"""The README's API tour, run as written: its shell commands are read out of README.md and
run with bash and curl against a real server on 127.0.0.1, with only what a reader fills in
replaced (the ids a step printed, the listener's port and secret, the server's address).
A changed field name, a date in the past or a broken receiver command fails here."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.web.conftest import Site, running_site
from tests.web.test_apply_rules import Visitor
from vivavoce.config import Settings
from vivavoce.runtime import Database

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
TOUR = README[
    README.index("## A 5-minute tour (API)") : README.index("## The same tour in the browser")
]
COMMAND_START = re.compile(r"^(curl |\.venv/bin/vivavoce )")


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


def blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", TOUR, re.S)


def commands(block: str) -> list[str]:
    """The block's commands: each starts a line with `curl` or `.venv/bin/vivavoce` and runs
    on until the next (continued or quoted lines included); comments are dropped."""
    found: list[list[str]] = []
    for line in block.splitlines():
        if COMMAND_START.match(line):
            found.append([line])
        elif found and not line.startswith("#"):
            found[-1].append(line)
    return ["\n".join(lines) for lines in found]


class Reader:
    """Runs tour commands as a reader would, filling in what they were told to."""

    def __init__(self, site: Site, tenant: Tenant) -> None:
        self.env = {
            **os.environ,
            "KEY": tenant.key,
            "API": f"{site.url}/api/v1",
            "PYTHONUNBUFFERED": "1",  # the receiver's lines as it prints them
        }
        self.filled: dict[str, str] = {}

    def fill(self, command: str) -> str:
        for placeholder, value in self.filled.items():
            command = command.replace(placeholder, value)
        assert not re.search(r"<[a-z ]+>|…", command), f"left unfilled: {command}"
        return command

    async def start(self, command: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            self.fill(command),
            env=self.env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    async def run(self, command: str) -> dict[str, Any]:
        """The command's JSON answer (the server runs in this event loop: never block it)."""
        process = await self.start(command)
        out, err = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, (command, err.decode())
        answer: dict[str, Any] = json.loads(out)
        assert "error" not in answer, (command, answer)
        return answer

    async def get(self, path: str) -> dict[str, Any]:
        """A `GET $API/…` the prose names, with the key as every command sends it."""
        return await self.run(f'curl -s "{path}" -H "x-api-key: $KEY"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def listeners() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    started: list[asyncio.subprocess.Process] = []
    yield started
    for process in started:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=10)


async def test_the_readme_tour_works_as_written(
    site: Site, tenant: Tenant, listeners: list[asyncio.subprocess.Process]
) -> None:
    start, profile, template, schedule, webhooks, *_ = blocks()
    assert "VIVAVOCE_WEBHOOKS_ALLOW_PRIVATE=true make run" in start  # as the site runs
    reader = Reader(site, tenant)

    # 1-3: a profile, a template and its stage, a participant and their session
    [make_profile] = commands(profile)
    reader.filled["<profile id>"] = (await reader.run(make_profile))["data"]["id"]
    make_template, make_stage = commands(template)
    reader.filled["<template id>"] = (await reader.run(make_template))["data"]["id"]
    stage = (await reader.run(make_stage))["data"]
    assert stage["type"] == "screen" and stage["duration_minutes"] == 30
    add_participant, make_session = commands(schedule)
    reader.filled["<participant id>"] = (await reader.run(add_participant))["data"]["id"]
    session = (await reader.run(make_session))["data"]
    assert session["status"] == "scheduled" and session["join_url"].startswith(site.url)
    assert session["scheduled_at"].endswith(":30:00Z")  # 09:30 in Berlin, two days on
    assert session["timezone"] == "Europe/Berlin"
    reader.filled["<id>"] = reader.filled["<session id>"] = session["id"]

    # 4: the reads the prose names
    for path in re.findall(r"`GET (\$API/[^`]+)`", TOUR):
        assert "data" in await reader.get(path), path
    progress = (await reader.get("$API/applications?evaluation_template_id=<template id>"))["data"]
    assert [a["latest_session_id"] for a in progress] == [session["id"]]

    # 5: an endpoint, the README's receiver, a test event that it verifies
    register, listen, send_test, deliveries = commands(webhooks)
    port = str(free_port())
    endpoint = (await reader.run(register.replace("9000", port)))["data"]
    reader.filled["<endpoint id>"], reader.filled["whsec_…"] = endpoint["id"], endpoint["secret"]
    # `exec`: the receiver itself is the process that the test stops at the end
    listener = await reader.start("exec " + listen.replace("9000", port))
    listeners.append(listener)
    await printed(listener, "listening on")
    await reader.run(send_test)
    assert (await printed(listener, "verified")).split()[2] == "webhook.test"
    log = (await reader.run(deliveries))["data"]
    assert any(d["event"] == "webhook.test" for d in log)


async def test_the_readme_apply_step_works_as_written(site: Site, tenant: Tenant) -> None:
    """Step 6: the page, the emailed code, and an approval that says scheduling is queued."""
    reader = Reader(site, tenant)
    _, profile, template, *_ = blocks()
    [make_profile] = commands(profile)
    reader.filled["<profile id>"] = (await reader.run(make_profile))["data"]["id"]
    make_template, make_stage = commands(template)
    template_id = reader.filled["<template id>"] = (await reader.run(make_template))["data"]["id"]
    await reader.run(make_stage)
    switch_on = re.search(r"`PATCH (\$API/evaluation-templates/<id>)` with `([^`]+)`", TOUR)
    assert switch_on, "step 6 names the PATCH that turns the page on"
    reader.filled["<id>"] = template_id
    await reader.run(
        f'curl -s -X PATCH "{switch_on.group(1)}" -H "x-api-key: $KEY"'
        f" -H 'content-type: application/json' -d '{switch_on.group(2)}'"
    )
    assert "`http://127.0.0.1:8000/apply/<template id>`" in TOUR  # the link to share

    async with httpx.AsyncClient(base_url=site.url, timeout=10) as http:
        visitor = Visitor(http)
        sent = await visitor.apply(template_id, "ada@example.org")
        assert sent.status_code == 303, sent.text
        request = sent.headers["location"]
        await visitor.get(request)
        code = await site.code_for("ada@example.org")
        confirmed = await visitor.post(f"{request}/verify", code=code)
        assert confirmed.status_code == 303, confirmed.text

    pending = (await reader.get("$API/applications?evaluation_template_id=<template id>"))["data"]
    reader.filled["<id>"] = pending[0]["id"]
    approve = re.search(r"`POST (\$API/applications/<id>/approve)`", TOUR)
    assert approve and '`"scheduling_status": "queued"`' in TOUR
    approved = await reader.run(f'curl -s -X POST "{approve.group(1)}" -H "x-api-key: $KEY"')
    assert approved["success"] is True
    assert approved["data"]["scheduling_status"] == "queued"
    await reader.get("$API/emails")


async def printed(process: asyncio.subprocess.Process, wanted: str) -> str:
    """The first line the process prints that starts with `wanted`."""
    assert process.stdout is not None
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode()
        assert line, f"the process ended before printing {wanted!r}"
        if line.startswith(wanted):
            return line
