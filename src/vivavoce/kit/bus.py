"""In-process domain events: what one domain's change means to the others, handled in the
change's own transaction (cosmicpython's message bus, without its queue of commands).

A producing domain defines its events (frozen dataclasses, in its `domain_events.py`) and
calls `publish(db, event)` once its change is flushed. Every handler subscribed to the
event's type then runs, in subscription order, on the same `AsyncSession`: what a handler
writes commits or rolls back with the change, and a handler that raises fails the change.
A handler may publish events of its own; they are handled at once (depth first).

Consumers subscribe in their own `handlers.register(handlers)`; the composition root
(`vivavoce.runtime.domain_handlers`) calls every one of them, in a fixed order, and the
sessionmaker carries the result (`kit.db.create_sessionmaker`). A database session made
without handlers cannot publish — it raises, instead of silently skipping the follow-on
effects — so a test or a process cannot miss a consumer that an import happened not to load.

The webhook outbox (`events.service.record`) is something else: the durable record of a
change for other systems, written in the same transaction and delivered by jobs.

Hot paths written on asyncpg (ADR 0006) publish with `publish_on`, to handlers subscribed
with `subscribe_on`: they write on the change's connection and return the jobs to enqueue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:  # kit.jobs imports kit.db, which imports this module
    from vivavoce.kit.jobs import JobSpec

E = TypeVar("E")
Handler = Callable[[AsyncSession, Any], Awaitable[None]]
ConnectionHandler = Callable[[asyncpg.Connection, Any], Awaitable["list[JobSpec]"]]

INFO_KEY = "vivavoce.domain_handlers"


class NoHandlers(RuntimeError):
    """A change published an event on a database session made without domain handlers."""


class Handlers:
    """Which handlers run for which event type, in the order they subscribed."""

    def __init__(self) -> None:
        self._orm: dict[type, list[Handler]] = {}
        self._on: dict[type, list[ConnectionHandler]] = {}

    def subscribe(
        self, event_type: type[E], handler: Callable[[AsyncSession, E], Awaitable[None]]
    ) -> None:
        self._orm.setdefault(event_type, []).append(handler)

    def subscribe_on(
        self,
        event_type: type[E],
        handler: Callable[[asyncpg.Connection, E], Awaitable[list[JobSpec]]],
    ) -> None:
        self._on.setdefault(event_type, []).append(handler)

    def handlers_of(self, event_type: type) -> tuple[Handler, ...]:
        return tuple(self._orm.get(event_type, ()))

    def connection_handlers_of(self, event_type: type) -> tuple[ConnectionHandler, ...]:
        return tuple(self._on.get(event_type, ()))


def session_info(handlers: Handlers) -> dict[str, Any]:
    """The `info` of every database session a sessionmaker makes, so `publish` finds them."""
    return {INFO_KEY: handlers}


def handlers_of(db: AsyncSession) -> Handlers:
    found = db.info.get(INFO_KEY)
    if not isinstance(found, Handlers):
        raise NoHandlers(
            "this database session was made without domain handlers "
            "(kit.db.create_sessionmaker(engine, runtime.domain_handlers()))"
        )
    return found


async def publish(db: AsyncSession, event: object) -> None:
    """Run every handler of `event` on `db`, in the caller's transaction."""
    for handler in handlers_of(db).handlers_of(type(event)):
        await handler(db, event)


async def publish_on(
    connection: asyncpg.Connection, handlers: Handlers, event: object
) -> list[JobSpec]:
    """`publish` for a change written on asyncpg: the jobs the handlers ask for, for the
    caller to enqueue in its transaction."""
    jobs: list[JobSpec] = []
    for handler in handlers.connection_handlers_of(type(event)):
        jobs += await handler(connection, event)
    return jobs
