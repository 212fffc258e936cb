"""A real vivavoce server (uvicorn on 127.0.0.1, with its worker) sending email to a real
SMTP server (aiosmtpd), and Debian's Chromium driven by Playwright — never a downloaded
browser."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer, eventually
from tests.fixtures.world import World, build_world

from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.runtime import Database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CODE = re.compile(r"\b(\d{6})\b")


class _Server(uvicorn.Server):
    """Leaves the test runner's signal handlers alone."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Site:
    url: str
    smtp: SmtpServer
    settings: Settings

    def apply_url(self, template_id: str) -> str:
        return f"{self.url}/apply/{template_id}"

    def codes_sent_to(self, address: str) -> list[str]:
        codes = []
        for delivered in self.smtp.to(address):
            if "verification code" in str(delivered.message["subject"]):
                found = CODE.search(delivered.text)
                assert found, delivered.text
                codes.append(found.group(1))
        return codes

    async def code_for(self, address: str, nth: int = 1) -> str:
        """The code in the `nth` verification email `address` received."""
        codes: list[str] = await eventually(
            lambda: (c := self.codes_sent_to(address)) and len(c) >= nth and c
        )
        return codes[nth - 1]


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@asynccontextmanager
async def running_site(
    settings: Settings, database: Database, smtp: SmtpServer, **overrides: Any
) -> AsyncIterator[Site]:
    """A real server on 127.0.0.1 with its worker; `overrides` change its settings."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    site_settings = settings.model_copy(
        update={
            "public_url": url,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_starttls": False,
            "smtp_timeout_seconds": 5.0,
            "smtp_from": "Acme Talent <talent@acme.example>",
            # every browser test comes from 127.0.0.1; the per-client limit has its own tests
            "apply_submissions_per_ip_per_hour": 10_000,
            **overrides,
        }
    )
    app = create_app(site_settings, database=database, with_worker=True, bootstrap=False)
    server = _Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False, workers=1)
    )
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield Site(url, smtp, site_settings)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)
        listener.close()


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@contextlib.asynccontextmanager
async def _fresh_page(browser: Browser, *, javascript: bool) -> AsyncIterator[Page]:
    context = await browser.new_context(java_script_enabled=javascript)
    context.set_default_timeout(15_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A page with JavaScript off: the public pages must work without it."""
    async with _fresh_page(browser, javascript=False) as opened:
        yield opened


@pytest.fixture
async def js_page(browser: Browser) -> AsyncIterator[Page]:
    """A page with JavaScript on (the live interview needs it)."""
    async with _fresh_page(browser, javascript=True) as opened:
        yield opened


@pytest.fixture
async def api(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the API of the `site` this test module runs."""
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        yield client


def csrf_token_in(html: str) -> str:
    """The CSRF token of a page's forms (bound to its visitor and sign-in, so a test must
    take it from a page, as a browser does)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page has no form"
    return found[1]


def unique_email(name: str = "ada") -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.com"


async def apply_world(
    client: httpx.AsyncClient,
    tenant: Tenant,
    *,
    requires_approval: bool = True,
    requires_otp: bool = True,
    enabled: bool = True,
    **template: Any,
) -> World:
    """A template with one stage and its apply page set as asked."""
    world = await build_world(client, tenant.headers, stages=("screen",))
    body = {
        "apply": {
            "enabled": enabled,
            "requires_approval": requires_approval,
            "requires_otp": requires_otp,
        },
        **template,
    }
    response = await client.patch(
        f"/api/v1/evaluation-templates/{world.template_id}", json=body, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    return world
