"""Database engine, sessions and the one-transaction-per-unit-of-work helper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every table."""


def libpq_url(url: str) -> str:
    """The plain `postgresql://` form of a URL (what asyncpg and pgqueuer take)."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme in ("postgres", "postgresql"):
        scheme = "postgresql"
    else:
        raise ValueError(f"not a PostgreSQL URL: {scheme}://…")
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def sqlalchemy_url(url: str) -> str:
    return "postgresql+asyncpg" + libpq_url(url)[len("postgresql") :]


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": "vivavoce"}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends normally, rolled back otherwise."""
    async with maker() as session, session.begin():
        yield session


async def raw_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under `session`, inside its open transaction.

    SQLAlchemy's asyncpg adapter sends BEGIN lazily, with the first statement it runs; a
    statement issued straight on the driver before that would autocommit. So make sure the
    database transaction has really begun before handing the connection out.
    """
    connection = await session.connection()
    raw: Any = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    if not driver.is_in_transaction():
        await connection.execute(text("SELECT 1"))
    if not driver.is_in_transaction():
        raise RuntimeError("the session has no open database transaction")
    return driver
