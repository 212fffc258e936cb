"""Opening the database for any entry point: embedded server or external URL, migrated."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from vivavoce.config import Settings
from vivavoce.kit import db, embedded_postgres, migrations
from vivavoce.kit.bus import Handlers
from vivavoce.kit.jobs import JobRegistry


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    handlers: Handlers

    async def close(self) -> None:
        await self.engine.dispose()


def database_on(url: str, engine: AsyncEngine) -> Database:
    """The database of `engine`, its sessions carrying every domain's event handlers."""
    handlers = domain_handlers()
    return Database(url, engine, db.create_sessionmaker(engine, handlers), handlers)


async def resolve_url(settings: Settings) -> str:
    if settings.database_url:
        return db.libpq_url(settings.database_url)
    url = await asyncio.to_thread(embedded_postgres.start, settings.pgdata_dir)
    await embedded_postgres.ensure_database(url)
    return url


async def open_database(
    settings: Settings, *, migrate: bool = True, url: str | None = None
) -> Database:
    url = url or await resolve_url(settings)
    engine = db.create_engine(url, settings.database_pool_size)
    if migrate:
        await migrations.upgrade(engine)
    return database_on(url, engine)


def job_registry() -> JobRegistry:
    """Every background job of vivavoce, registered by its domain."""
    from vivavoce.applications import tasks as application_tasks
    from vivavoce.assessments import tasks as assessment_tasks
    from vivavoce.coding import tasks as coding_tasks
    from vivavoce.emails import tasks as email_tasks
    from vivavoce.events.webhooks import tasks as webhook_tasks
    from vivavoce.idempotency import tasks as idempotency_tasks
    from vivavoce.scoring import tasks as scoring_tasks
    from vivavoce.sessions import tasks as session_tasks
    from vivavoce.voice import tasks as voice_tasks

    registry = JobRegistry()
    idempotency_tasks.register(registry)
    webhook_tasks.register(registry)
    email_tasks.register(registry)
    application_tasks.register(registry)
    session_tasks.register(registry)
    scoring_tasks.register(registry)
    voice_tasks.register(registry)
    coding_tasks.register(registry)
    assessment_tasks.register(registry)
    return registry


def domain_handlers() -> Handlers:
    """Every in-process domain event handler of vivavoce (`kit.bus`), subscribed by the
    domain that reacts, in this fixed order — the composition root for app, worker and tests
    alike. A new consumer adds its `handlers.register` here, not in the producing domain."""
    from vivavoce.applications import handlers as application_handlers
    from vivavoce.emails import handlers as email_handlers
    from vivavoce.privacy import service as privacy

    handlers = Handlers()
    application_handlers.register(handlers)
    email_handlers.register(handlers)
    privacy.register(handlers)
    return handlers
