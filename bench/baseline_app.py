"""The floor vivavoce's API is measured against: Starlette + asyncpg, nothing else.

A read (GET of one object) does what a vivavoce GET must do at the least: find the API key
by the SHA-256 digest of the presented secret (`api_keys.digest`, not revoked), check the
scope, read the row by id within the key's workspace, and answer `{"data": {…}}` as JSON.
No ORM, no middleware, no transaction, no validation.

A write, `POST /api/v1/sessions` (see `sessions_floor.py`), writes the rows vivavoce's
`POST /sessions` writes, in one transaction: the session, its application when new, the
`session.created` event, a delivery and a job per subscribed webhook endpoint, the invitation
email in the outbox and its job. Served by uvicorn with the same settings `vivavoce serve`
uses (uvloop and httptools when installed, warnings-only logging).

    BASELINE_DATABASE_URL=postgresql://… python bench/baseline_app.py --port 8101
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# collection in the URL → (table, scope needed to read it)
COLLECTIONS = {
    "agent-profiles": ("agent_profiles", "evaluation_templates.read"),
    "sessions": ("sessions", "interviews.read"),
}
AUTH = "SELECT workspace_id, scopes FROM api_keys WHERE digest = $1 AND revoked_at IS NULL"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    raise TypeError(type(value).__name__)


def _error(status: int, code: str) -> Response:
    return JSONResponse({"error": code, "code": code, "issues": []}, status_code=status)


async def _init(connection: asyncpg.Connection) -> None:
    # Decode JSON columns as vivavoce's driver does, so both serialise the same values.
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # vivavoce's default pool: 10 connections plus 10 of overflow.
    app.state.pool = await asyncpg.create_pool(
        os.environ["BASELINE_DATABASE_URL"], min_size=10, max_size=20, init=_init
    )
    try:
        yield
    finally:
        await app.state.pool.close()


async def read_one(request: Request) -> Response:
    collection = COLLECTIONS.get(request.path_params["collection"])
    if collection is None:
        return _error(404, "not_found")
    table, scope = collection
    secret = request.headers.get("x-api-key")
    if not secret:
        return _error(401, "unauthorized")
    try:
        object_id = uuid.UUID(request.path_params["object_id"])
    except ValueError:
        return _error(422, "invalid")
    digest = hashlib.sha256(secret.encode()).hexdigest()
    async with request.app.state.pool.acquire() as connection:
        key = await connection.fetchrow(AUTH, digest)
        if key is None:
            return _error(401, "unauthorized")
        if scope not in key["scopes"]:
            return _error(403, "missing_scope")
        row = await connection.fetchrow(
            f"SELECT * FROM {table} WHERE id = $1 AND workspace_id = $2",
            object_id,
            key["workspace_id"],
        )
    if row is None:
        return _error(404, "not_found")
    body = json.dumps({"data": dict(row)}, default=_plain)
    return Response(body, media_type="application/json")


async def create_session(request: Request) -> Response:
    from sessions_floor import create  # bench/ is on sys.path when run as a script

    secret = request.headers.get("x-api-key")
    if not secret:
        return _error(401, "unauthorized")
    digest = hashlib.sha256(secret.encode()).hexdigest()
    body = await request.body()
    async with request.app.state.pool.acquire() as connection:
        key = await connection.fetchrow(AUTH, digest)
        if key is None:
            return _error(401, "unauthorized")
        if "interviews.write" not in key["scopes"]:
            return _error(403, "missing_scope")
        status, document = await create(connection, key["workspace_id"], body)
    if status != 201:
        return _error(status, str(document))
    payload = json.dumps({"data": document}, default=_plain)
    return Response(payload, status_code=201, media_type="application/json")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/api/v1/sessions", create_session, methods=["POST"]),
        Route("/api/v1/{collection}/{object_id}", read_one),
    ],
    lifespan=lifespan,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
