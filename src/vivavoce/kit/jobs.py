"""Background jobs on PostgreSQL (pgqueuer).

Jobs are enqueued on the caller's own database connection, inside its open transaction:
a job exists exactly when the change that caused it was committed. Workers claim jobs with
row locks that skip locked rows and wake up on LISTEN/NOTIFY, so any number of worker
processes can share one database. Job payloads carry ids only; handlers are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
from pgqueuer import (
    AsyncpgDriver,
    DatabaseRetryEntrypointExecutor,
    InMemoryDriver,
    Job,
    PgQueuer,
    Queries,
)
from pgqueuer.executors import EntrypointExecutorParameters  # the documented executor API
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vivavoce.config import Settings
from vivavoce.kit.db import StatementPool, libpq_url, raw_connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What a job handler may use: settings and a factory of database sessions."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    resources: dict[str, Any] = field(default_factory=dict)  # per-process shared clients

    @property
    def database_url(self) -> str:
        """The URL of the sessions' database, for handlers that talk to it without the ORM."""
        engine: Any = self.sessionmaker.kw["bind"]
        return libpq_url(engine.url.render_as_string(hide_password=False))


JobHandler = Callable[[JobContext, dict[str, Any]], Awaitable[None]]


@dataclass
class JobRegistry:
    """Named job handlers and cron schedules, filled by each domain's `tasks.register`."""

    handlers: dict[str, JobHandler] = field(default_factory=dict)
    schedules: list[tuple[str, str, JobHandler]] = field(default_factory=list)
    max_attempts: int = 8

    def job(self, name: str) -> Callable[[JobHandler], JobHandler]:
        def register(handler: JobHandler) -> JobHandler:
            if name in self.handlers:
                raise RuntimeError(f"job {name!r} registered twice")
            self.handlers[name] = handler
            return handler

        return register

    def every(self, name: str, cron: str) -> Callable[[JobHandler], JobHandler]:
        def register(handler: JobHandler) -> JobHandler:
            self.schedules.append((name, cron, handler))
            return handler

        return register


async def enqueue(
    session: AsyncSession,
    name: str,
    payload: dict[str, Any],
    *,
    delay: timedelta | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Add a job in the transaction of `session`; it runs only if that transaction commits."""
    connection = await raw_connection(session)
    queries = Queries(AsyncpgDriver(connection))
    body = json.dumps(payload, separators=(",", ":")).encode()
    if dedupe_key is None:
        await queries.enqueue(name, body, execute_after=delay)
    else:
        await queries.enqueue(
            name, body, execute_after=delay, dedupe_key=dedupe_key, on_conflict="skip"
        )


async def enqueue_many(session: AsyncSession, name: str, payloads: list[dict[str, Any]]) -> None:
    """`enqueue` of several jobs of one kind, in one statement."""
    connection = await raw_connection(session)
    queries = Queries(AsyncpgDriver(connection))
    bodies: list[bytes | None] = [
        json.dumps(payload, separators=(",", ":")).encode() for payload in payloads
    ]
    await queries.enqueue([name] * len(bodies), bodies, [0] * len(bodies), [None] * len(bodies))


@dataclass(frozen=True)
class JobSpec:
    """One job for `enqueue_on`: `enqueue`'s arguments."""

    name: str
    payload: dict[str, Any]
    delay: timedelta | None = None
    dedupe_key: str | None = None


async def enqueue_on(connection: asyncpg.Connection, jobs: Sequence[JobSpec]) -> None:
    """`enqueue` of several jobs, of any kinds, in one statement on a connection inside the
    caller's transaction; a job whose `dedupe_key` is already queued is skipped."""
    if not jobs:
        return
    await Queries(AsyncpgDriver(connection)).enqueue(
        [job.name for job in jobs],
        [json.dumps(job.payload, separators=(",", ":")).encode() for job in jobs],
        [0] * len(jobs),
        [job.delay for job in jobs],
        [job.dedupe_key for job in jobs],
        on_conflict="skip",
    )


def _retrying(
    max_attempts: int,
) -> Callable[[EntrypointExecutorParameters], DatabaseRetryEntrypointExecutor]:
    def factory(parameters: EntrypointExecutorParameters) -> DatabaseRetryEntrypointExecutor:
        return DatabaseRetryEntrypointExecutor(
            parameters=parameters,
            max_attempts=max_attempts,
            initial_delay=timedelta(seconds=2),
            max_delay=timedelta(minutes=10),
        )

    return factory


def _build(connection: asyncpg.Connection, registry: JobRegistry, context: JobContext) -> PgQueuer:
    pgq = PgQueuer.from_asyncpg_connection(connection)
    for name, handler in registry.handlers.items():

        async def run_job(job: Job, handler: JobHandler = handler) -> None:
            payload = json.loads(job.payload) if job.payload else {}
            await handler(context, payload)

        pgq.entrypoint(name, executor_factory=_retrying(registry.max_attempts))(run_job)
    for name, cron, handler in registry.schedules:

        async def run_schedule(_: object, handler: JobHandler = handler) -> None:
            await handler(context, {})

        pgq.schedule(name, cron)(run_schedule)
    return pgq


async def run_worker(
    database_url: str,
    registry: JobRegistry,
    context: JobContext,
    stop: asyncio.Event,
    *,
    reconnect_delay: float = 2.0,
) -> None:
    """Run jobs until `stop` is set, reconnecting when the database goes away."""
    while not stop.is_set():
        try:
            connection = await asyncpg.connect(libpq_url(database_url))
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("worker cannot reach the database (%s); retrying", exc)
            await _sleep_or_stop(stop, reconnect_delay)
            continue
        pgq = _build(connection, registry, context)
        settings = context.settings
        runner = asyncio.create_task(
            pgq.run(
                dequeue_timeout=timedelta(seconds=5),
                batch_size=max(1, min(settings.worker_concurrency // 2, 25)),
                max_concurrent_tasks=settings.worker_concurrency,
                heartbeat_timeout=timedelta(seconds=settings.worker_heartbeat_seconds),
            )
        )
        stopper = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if runner in done and runner.exception() is not None:
                log.warning("worker stopped: %s; restarting", runner.exception())
        finally:
            pgq.shutdown.set()
            stopper.cancel()
            try:
                await asyncio.wait_for(runner, timeout=10)
            except (TimeoutError, asyncio.CancelledError, Exception):
                runner.cancel()
            if not connection.is_closed():
                await connection.close(timeout=5)
        if not stop.is_set():
            await _sleep_or_stop(stop, reconnect_delay)
    for resource in list(context.resources.values()):
        if isinstance(resource, StatementPool):
            await resource.close()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _schema_builder() -> Any:
    # `Queries.qbe` is pgqueuer's public builder of its DDL; building SQL text needs no
    # connection, so the driver is the in-memory one and is never called.
    return Queries(InMemoryDriver()).qbe


def install_sql() -> str:
    """The DDL that creates pgqueuer's tables (run by our first migration)."""
    sql: str = _schema_builder().build_install_query()
    return sql


def uninstall_sql() -> str:
    sql: str = _schema_builder().build_uninstall_query()
    return sql
