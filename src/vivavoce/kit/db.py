"""Database engine, sessions and the one-transaction-per-unit-of-work helper."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import JSON, event, inspect, text
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from vivavoce.kit import bus

# A pooled connection idle for longer than this is checked (one round trip) before use; busy
# connections are not (see create_engine).
IDLE_PING_SECONDS = 10.0


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


def create_engine(
    url: str, pool_size: int = 10, idle_ping_seconds: float = IDLE_PING_SECONDS
) -> AsyncEngine:
    """The engine of the ORM sessions.

    No `pool_pre_ping`: it costs a round trip and ≈ 0.2 ms CPU on every checkout, on a
    connection that under load was in use a moment ago. Instead a connection is pinged only
    when it sat idle in the pool for `idle_ping_seconds` (what a database restart during a
    quiet spell leaves behind), and a dead one is replaced before use. A connection that
    breaks while in use fails that unit of work (the API answers 503 + `Retry-After`) and
    SQLAlchemy then discards every connection of the pool opened before it, so the next
    requests reconnect.
    """
    engine = create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": "vivavoce"}},
    )
    _ping_when_idle(engine, idle_ping_seconds)
    return engine


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # Either way the pool closes this connection and retries with a new one.
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and driver.is_closed():
            # The server closed it while it sat in the pool (a restart, a terminated backend):
            # known without a round trip.
            raise DisconnectionError("the connection was closed by the server")
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc


def create_sessionmaker(
    engine: AsyncEngine, handlers: bus.Handlers
) -> async_sessionmaker[AsyncSession]:
    """Sessions that carry the domain event `handlers` (`kit.bus.publish` runs them)."""
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, info=bus.session_info(handlers)
    )


@asynccontextmanager
async def unit_of_work(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends normally, rolled back otherwise."""
    async with maker() as session, session.begin():
        yield session


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint (or unique index) an `IntegrityError` broke, as PostgreSQL
    reports it (asyncpg's `constraint_name`, the cause of SQLAlchemy's error)."""
    name = getattr(exc.orig.__cause__ if exc.orig is not None else None, "constraint_name", None)
    return name if isinstance(name, str) else None


async def raw_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under `session`, inside its open transaction.

    SQLAlchemy's asyncpg adapter sends BEGIN lazily, with the first statement it runs; a
    statement issued straight on the driver before that would autocommit. So make sure the
    database transaction has really begun before handing the connection out.
    """
    connection = await session.connection()
    raw: Any = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    adapter = raw.dbapi_connection
    start = getattr(adapter, "_start_transaction", None)  # what the adapter's first statement does
    if not driver.is_in_transaction() and start is not None and adapter._transaction is None:
        await start()  # BEGIN, as the adapter sends it (its isolation level), without a statement
    if not driver.is_in_transaction():
        await connection.execute(text("SELECT 1"))
    if not driver.is_in_transaction():
        raise RuntimeError("the session has no open database transaction")
    return driver


# --- statements without the ORM -----------------------------------------------------------------

M = TypeVar("M")
T = TypeVar("T")

# Connection errors after which a read is retried once on a new connection: the server
# closed it (restart, idle timeout, failover) between two uses.
_LOST = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.AdminShutdownError,
    asyncpg.CannotConnectNowError,
    ConnectionResetError,
    BrokenPipeError,
)


class CommitFailed(Exception):
    """A COMMIT raised (the `__cause__`): the transaction may or may not have taken effect."""


async def _no_reset(_connection: asyncpg.Connection) -> None:
    """asyncpg's default reset costs a round trip per release (`RESET ALL`, `UNLISTEN *`, …)
    to undo session state; the read pool's statements leave none."""


class StatementPool:
    """asyncpg connections for hot single statements, outside any ORM session.

    For statements whose cost is dominated by the machinery around one query (authenticating an
    API key, reading one object by id): no Session, no `BEGIN`/`COMMIT` (one statement is
    its own snapshot), no pre-ping. A statement whose connection turns out to be gone (the
    server restarted) is retried once on a fresh one; a second failure propagates (the API
    answers 503). The pool opens lazily, so an app can start while the database is down.
    JSON columns come back as text (no per-connection codec set-up): `RowMapper` decodes them.
    """

    def __init__(
        self,
        url: str,
        size: int = 10,
        name: str = "vivavoce-reads",
        server_settings: dict[str, str] | None = None,
    ) -> None:
        self.url = libpq_url(url)
        self.size = size
        self.server_settings = {"application_name": name, **(server_settings or {})}
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def _get(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self.url,
                        min_size=0,
                        max_size=self.size,
                        reset=_no_reset,
                        max_inactive_connection_lifetime=300,
                        server_settings=self.server_settings,
                    )
        return self._pool

    async def warm(self, seconds: float = 5.0) -> None:
        """Open one connection now, so the first request does not pay for it; a database
        that cannot be reached is not an error here (requests will say so)."""
        with contextlib.suppress(
            OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError
        ):
            async with asyncio.timeout(seconds):
                pool = self._pool or await self._get()
                async with pool.acquire():
                    pass

    async def fetchrow(self, sql: str, *args: Any, retry: bool = True) -> asyncpg.Record | None:
        """The first row of one statement. `retry=False` for a statement that writes: when
        its connection is lost, whether it committed is unknown, so it is not sent again."""
        pool = self._pool or await self._get()
        for attempt in (1, 2):
            try:
                async with pool.acquire() as connection:
                    row: asyncpg.Record | None = await connection.fetchrow(sql, *args)
                    return row
            except _LOST:
                if attempt == 2 or not retry:
                    raise
        raise AssertionError("unreachable")

    async def fetch(self, sql: str, *args: Any, retry: bool = True) -> list[asyncpg.Record]:
        """Every row of one statement; `retry` as for `fetchrow`."""
        pool = self._pool or await self._get()
        for attempt in (1, 2):
            try:
                async with pool.acquire() as connection:
                    rows: list[asyncpg.Record] = await connection.fetch(sql, *args)
                    return rows
            except _LOST:
                if attempt == 2 or not retry:
                    raise
        raise AssertionError("unreachable")

    async def transaction(
        self,
        work: Callable[[asyncpg.Connection], Awaitable[T | None]],
        acquire_timeout: float = 5.0,
    ) -> T | None:
        """`work` in a transaction on one connection: committed when it returns a result,
        rolled back when it returns None or raises (and the exception re-raised). Never
        retried; a COMMIT that fails is `CommitFailed` (whether it took effect is unknown).
        Waits at most `acquire_timeout` for a free connection (then `TimeoutError`)."""
        pool = self._pool or await self._get()
        async with pool.acquire(timeout=acquire_timeout) as connection:
            transaction = connection.transaction()
            await transaction.start()
            try:
                result = await work(connection)
            except BaseException:
                with contextlib.suppress(Exception):
                    await transaction.rollback()
                if connection.is_in_transaction():  # never hand a broken one out again
                    connection.terminate()
                raise
            if result is None:
                await transaction.rollback()
                return None
            try:
                await transaction.commit()
            except Exception as exc:
                raise CommitFailed("the commit failed") from exc
            return result

    async def execute(self, sql: str, *args: Any) -> None:
        """One statement in its own (implicit) transaction; not retried."""
        pool = self._pool or await self._get()
        async with pool.acquire() as connection:
            await connection.execute(sql, *args)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


class RowMapper(Generic[M]):
    """`SELECT <every column> FROM <table>` for a mapped class, and its rows as (transient,
    unattached) instances of that class, so code written for ORM objects reads them alike."""

    def __init__(self, model: type[M], *, json_as_text: bool = True) -> None:
        """`json_as_text`: JSON columns arrive as text (a `StatementPool` connection) and are
        decoded here; False for an ORM session's connection, whose codec decodes them."""
        mapper = inspect(model)
        columns: Sequence[Any] = list(mapper.columns)
        self.model = model
        self.table: str = mapper.local_table.name
        self.columns = ", ".join(column.name for column in columns)
        self._keys = [mapper.get_property_by_column(column).key for column in columns]
        self._json = [json_as_text and isinstance(column.type, JSON) for column in columns]
        self._decode = any(self._json)
        # An instance with its state but without the attribute events of the constructor
        # (a tenth of the CPU of `model(**values)`): the column values go straight into its
        # __dict__, as the ORM's own loading puts them. It reads and writes like any other.
        self._new: Callable[[], M] = mapper.class_manager.new_instance

    def select(self, where: str) -> str:
        # Names from the mapped table; `where` is a constant of the caller, values are $n.
        return f"SELECT {self.columns} FROM {self.table} WHERE {where}"  # noqa: S608

    @property
    def width(self) -> int:
        """How many columns a row of this class takes (in `columns_of` order)."""
        return len(self._keys)

    def columns_of(self, alias: str) -> str:
        """Every column qualified by `alias`, to select several tables' rows in one statement
        and `load` each from its slice."""
        return ", ".join(f"{alias}.{name}" for name in self.columns.split(", "))

    def make(self, **values: Any) -> M:
        """A transient instance with these attributes, built like `load` (no attribute events;
        attributes left out are simply unset, as with the constructor)."""
        instance = self._new()
        instance.__dict__.update(values)
        return instance

    def load(self, row: asyncpg.Record | Sequence[Any], start: int = 0) -> M:
        """The instance of the row, or of its columns from `start` on (`columns_of`)."""
        values = tuple(row)[start : start + self.width]
        if self._decode:
            values = tuple(
                json.loads(value) if is_json and value is not None else value
                for value, is_json in zip(values, self._json, strict=True)
            )
        instance = self._new()
        instance.__dict__.update(zip(self._keys, values, strict=True))
        return instance
