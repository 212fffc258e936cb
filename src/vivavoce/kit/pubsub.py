"""Fan-out across processes with PostgreSQL LISTEN/NOTIFY.

Writers call `notify(session, channel, topic)` inside their transaction: PostgreSQL delivers
the notification only when that transaction commits. Each process keeps one listening
connection (`Listener`) and hands notifications to in-process subscribers of a topic. A
notification is only a wake-up call: subscribers read what is new from the database, which
stays the source of truth, so nothing is lost when a notification is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.kit.db import libpq_url

log = logging.getLogger(__name__)


async def notify(session: AsyncSession, channel: str, topic: str) -> None:
    """Wake subscribers of `topic` in every process once the current transaction commits."""
    await session.execute(
        text("SELECT pg_notify(:channel, :topic)"), {"channel": channel, "topic": topic}
    )


class Listener:
    """One LISTEN connection per process, shared by every subscriber of a channel."""

    def __init__(self, database_url: str, channel: str, reconnect_delay: float = 1.0) -> None:
        self.database_url = libpq_url(database_url)
        self.channel = channel
        self.reconnect_delay = reconnect_delay
        self._subscribers: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._closed = False
        self._watchers: list[Callable[[str | None], None]] = []

    @property
    def listening(self) -> bool:
        """Whether notifications are being received right now."""
        return self._ready.is_set()

    def watch(self, callback: Callable[[str | None], None]) -> None:
        """Call `callback(topic)` for every notification on the channel, and `callback(None)`
        whenever the listening connection is established or lost (notifications may have been
        missed). Starts listening."""
        self._watchers.append(callback)
        self._ensure_running()

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Event]:
        """An event set whenever `topic` is notified (and after a reconnect, when
        notifications may have been missed). Clear it before reading what is new."""
        self._ensure_running()
        wake = asyncio.Event()
        self._subscribers[topic].add(wake)
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=10)
            yield wake
        finally:
            self._subscribers[topic].discard(wake)
            if not self._subscribers[topic]:
                del self._subscribers[topic]

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    def _deliver(self, _connection: object, _pid: int, _channel: str, topic: str) -> None:
        for wake in self._subscribers.get(topic, ()):
            wake.set()
        for callback in self._watchers:
            callback(topic)

    def _wake_all(self) -> None:
        for callback in self._watchers:
            callback(None)
        for waiters in self._subscribers.values():
            for wake in waiters:
                wake.set()

    async def _run(self) -> None:
        while not self._closed:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(self.database_url)
                await connection.add_listener(self.channel, self._deliver)
                self._ready.set()
                self._wake_all()  # anything may have happened while we were not listening
                while not connection.is_closed() and not self._closed:
                    await asyncio.sleep(5)
                    await connection.execute("SELECT 1")  # notice a dead connection
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning(
                    "listener on %s lost its connection (%s); reconnecting", self.channel, exc
                )
            finally:
                if self._ready.is_set():
                    self._ready.clear()
                    self._wake_all()
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
            if not self._closed:
                await asyncio.sleep(self.reconnect_delay)

    async def close(self) -> None:
        self._closed = True
        self._wake_all()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
