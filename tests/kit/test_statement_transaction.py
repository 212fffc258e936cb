"""`StatementPool.transaction`: committed with a result, rolled back on None or an error."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from vivavoce.kit.db import StatementPool
from vivavoce.runtime import Database


async def test_a_result_commits_none_and_errors_roll_back(database: Database) -> None:
    table = f"probe_{secrets.token_hex(4)}"
    pool = StatementPool(database.url, 2)
    try:
        await pool.execute(f"CREATE TABLE {table} (value int)")

        def writing(
            value: int, answer: str | None, fail: bool = False
        ) -> Callable[[asyncpg.Connection], Awaitable[str | None]]:
            async def work(connection: asyncpg.Connection) -> str | None:
                await connection.execute(f"INSERT INTO {table} VALUES ($1)", value)
                if fail:
                    raise RuntimeError("the work failed")
                return answer

            return work

        assert await pool.transaction(writing(1, "kept")) == "kept"
        assert await pool.transaction(writing(2, None)) is None
        with pytest.raises(RuntimeError):
            await pool.transaction(writing(3, "never", fail=True))
        rows = await pool.fetch(f"SELECT value FROM {table} ORDER BY value")
        assert [row["value"] for row in rows] == [1]
        # the connections went back clean: a new transaction on each works
        for value in (4, 5):
            assert await pool.transaction(writing(value, "ok")) == "ok"
        rows = await pool.fetch(f"SELECT value FROM {table} ORDER BY value")
        assert [row["value"] for row in rows] == [1, 4, 5]
    finally:
        await pool.execute(f"DROP TABLE IF EXISTS {table}")
        await pool.close()
