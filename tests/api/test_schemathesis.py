"""Property-based run of schemathesis over the published OpenAPI document.

Every operation gets valid and invalid requests, authenticated with a key holding every scope;
no response may be a 5xx, break the documented schema or use an undocumented status.
(schemathesis' `negative_data_rejection` is left out: it flags FastAPI's leniencies, such as
the last of a repeated query parameter winning, or a malformed `Authorization` header being
ignored when `x-api-key` is present, which are not defects.) The app stays on the test session's event loop (where its database pool lives):
schemathesis runs in a worker thread and its in-process ASGI client reaches the app through
`LoopBridge`.
"""

from __future__ import annotations

import asyncio
import os
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Tenant
from tests.fixtures.world import build_world, session_body

Message = dict[str, Any]
ASGIApp = Callable[..., Awaitable[None]]

# Examples per operation and mode, at most; generating them is most of the run's time, so a
# budget over all operations keeps the run under a minute as the API grows.
MAX_EXAMPLES = int(os.environ.get("VIVAVOCE_FUZZ_EXAMPLES", "25"))
MIN_EXAMPLES = 8
STREAM_TIMEOUT = 0.5
TOTAL_EXAMPLES = int(os.environ.get("VIVAVOCE_FUZZ_BUDGET", "2500"))
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


class LoopBridge:
    """An ASGI app, callable from another thread's event loop, that runs `app` on `loop`.

    Lifespan is answered here: the real app's lifespan is already running in the fixture.
    """

    def __init__(self, app: ASGIApp, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.loop = loop

    async def __call__(
        self,
        scope: dict[str, Any],
        # coroutines, not any awaitable: run_coroutine_threadsafe takes nothing else
        receive: Callable[[], Coroutine[Any, Any, Message]],
        send: Callable[[Message], Coroutine[Any, Any, None]],
    ) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        caller = asyncio.get_running_loop()

        async def receive_here() -> Message:
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(receive(), caller))

        async def send_here(message: Message) -> None:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(send(message), caller))

        async def handle() -> None:
            await self.app(scope, receive_here, send_here)

        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(handle(), self.loop))


class KnownIds:
    """Ids of objects created during the run, by collection (the `Location` of each 201).

    Valid requests use them for `{id}` path parameters half of the time, so that operations on
    one object are exercised on real rows and not only on 404s.
    """

    def __init__(self) -> None:
        self.by_collection: dict[str, list[str]] = {}

    def record(self, response: schemathesis.Response) -> None:
        for location in response.headers.get("location", []) if response.status_code == 201 else []:
            collection, _, object_id = location.rpartition("/")
            self.by_collection.setdefault(collection, []).append(object_id)

    def fill(self, case: schemathesis.Case[Any], pick: int) -> None:
        path = case.operation.path
        if "/{" not in path or not case.path_parameters:
            return
        collection = path[: path.index("/{")]
        name = path[path.index("/{") + 2 : path.index("}")]
        known = self.by_collection.get(collection)
        if known and name in case.path_parameters:
            case.path_parameters[name] = known[pick % len(known)]


def property_test(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    tenant: Tenant,
    known: KnownIds,
    examples: int,
) -> Callable[[], None]:

    streams = any(
        "text/event-stream" in (response.get("content") or {})
        for response in operation.definition.raw.get("responses", {}).values()
    )

    @hypothesis.given(
        case=operation.as_strategy(generation_mode=mode),
        existing=st.one_of(st.none(), st.integers(min_value=0, max_value=10_000)),
    )
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    def run(case: schemathesis.Case[Any], existing: int | None) -> None:
        if mode is GenerationMode.POSITIVE:
            # A random accountSlug only meets the 403 of the auth sweep; name our workspace
            # so that valid requests reach the endpoint.
            if case.query and "accountSlug" in case.query:
                case.query["accountSlug"] = tenant.slug
            if isinstance(case.body, dict) and "accountSlug" in case.body:
                case.body["accountSlug"] = tenant.slug
            if existing is not None:
                known.fill(case, existing)
        # Event streams of a live session never end: schemathesis keeps what arrived before
        # the timeout. Other requests get a bound so that a hang fails the run, not stalls it.
        timeout = STREAM_TIMEOUT if streams else 30
        response = case.call_and_validate(headers=tenant.headers, checks=CHECKS, timeout=timeout)
        known.record(response)

    return run


def fuzz(bridge: LoopBridge, tenant: Tenant, known: KnownIds) -> tuple[int, list[str]]:
    """Runs in a worker thread: (operations tried, one line per failing operation and mode)."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", bridge)
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise AssertionError(f"the API's schema is not valid: {result.err()}")
        operations.append(result.ok())
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    examples = TOTAL_EXAMPLES // max(1, len(operations) * len(modes))
    examples = max(MIN_EXAMPLES, min(MAX_EXAMPLES, examples))
    failures: list[str] = []
    for operation in operations:
        for mode in modes:
            try:
                property_test(operation, mode, tenant, known, examples)()
            except Exception as exc:
                detail = "".join(traceback.format_exception_only(exc)).strip()
                failures.append(f"{operation.label} [{mode.value}]: {detail}")
    return len(operations), failures


async def seed(client: httpx.AsyncClient, app: Any, tenant: Tenant) -> KnownIds:
    """A profile, template, stages, participant and session; the ids every list shows."""
    world = await build_world(client, tenant.headers)
    await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    known = KnownIds()
    for path, item in app.openapi()["paths"].items():
        if "{" in path or "get" not in item:
            continue
        response = await client.get(path, params={"limit": 100}, headers=tenant.headers)
        if response.status_code == 200:
            rows = response.json().get("data", [])
            if not isinstance(rows, list):  # a single object (GET /workspace), not a list
                continue
            known.by_collection[path] = [str(row["id"]) for row in rows if "id" in row]
    return known


@pytest.mark.slow
async def test_no_operation_errs_or_breaks_its_schema(
    app: Any, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    known = await seed(client, app, tenant)
    bridge = LoopBridge(app, asyncio.get_running_loop())
    operations, failures = await asyncio.to_thread(fuzz, bridge, tenant, known)
    assert operations > 0, "the OpenAPI document lists no operations"
    assert not failures, "\n\n".join(failures)
