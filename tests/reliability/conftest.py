"""Process-level runs: real `vivavoce serve` and `vivavoce worker` subprocesses.

They take minutes and start several processes, so `make test` leaves them out: they run with
`VIVAVOCE_RELIABILITY=1` (`make reliability`, which `make check` runs once, on the PostgreSQL
service). The scale-out and fault runs use the server named by VIVAVOCE_TEST_DATABASE_URL, or
the machine's service on 127.0.0.1:5432 — never the embedded one, since the point is an
external PostgreSQL shared by processes.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.fixtures.receiver import Receiver, running_receiver

SERVICE = "postgresql://postgres@127.0.0.1:5432/postgres"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("VIVAVOCE_RELIABILITY"):
        return
    skip = pytest.mark.skip(
        reason="process-level run: make reliability (or VIVAVOCE_RELIABILITY=1)"
    )
    for item in items:
        if "reliability" in item.path.parts:
            item.add_marker(skip)


@pytest.fixture
def service_url() -> str:
    return os.environ.get("VIVAVOCE_TEST_DATABASE_URL") or SERVICE


@pytest.fixture
async def hook_receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as receiver:
        yield receiver
