"""A server going away mid-request is "unavailable" (503), whatever wrapping it arrives in."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from vivavoce.api.errors import database_unavailable
from vivavoce.runtime import Database


async def test_an_administrator_shutdown_wrapped_by_sqlalchemy_reads_as_unavailable(
    database: Database,
) -> None:
    # The backend terminating itself raises what PostgreSQL sends every session when it shuts
    # down: 57P01 "terminating connection due to administrator command".
    async with database.sessionmaker() as db:
        with pytest.raises(DBAPIError) as raised:
            await db.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    assert database_unavailable(raised.value)


async def test_a_bad_query_is_not_unavailable(database: Database) -> None:
    async with database.sessionmaker() as db:
        with pytest.raises(DBAPIError) as raised:
            await db.execute(text("SELECT no_such_column FROM sessions"))
    assert not database_unavailable(raised.value)
