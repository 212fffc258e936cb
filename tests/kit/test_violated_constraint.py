"""`violated_constraint`: the name PostgreSQL gives the broken constraint, not message text."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from vivavoce.kit.db import violated_constraint
from vivavoce.runtime import Database


async def test_the_broken_constraint_is_named(database: Database) -> None:
    table = f"probe_{secrets.token_hex(4)}"
    async with database.sessionmaker() as db, db.begin():
        await db.execute(
            text(
                f"CREATE TEMP TABLE {table} (value int CONSTRAINT uq_{table}_value UNIQUE, "
                f"positive int CONSTRAINT ck_{table}_positive CHECK (positive > 0), "
                "required int NOT NULL DEFAULT 0)"
            )
        )
        await db.execute(text(f"INSERT INTO {table} VALUES (1, 1, 0)"))
        with pytest.raises(IntegrityError) as duplicate:
            async with db.begin_nested():
                await db.execute(text(f"INSERT INTO {table} VALUES (1, 2, 0)"))
        with pytest.raises(IntegrityError) as negative:
            async with db.begin_nested():
                await db.execute(text(f"INSERT INTO {table} VALUES (2, -1, 0)"))
        with pytest.raises(IntegrityError) as missing:
            async with db.begin_nested():
                await db.execute(text(f"INSERT INTO {table} VALUES (3, 3, NULL)"))
    assert violated_constraint(duplicate.value) == f"uq_{table}_value"
    assert violated_constraint(negative.value) == f"ck_{table}_positive"
    # a NOT NULL violation names no constraint
    assert violated_constraint(missing.value) is None
