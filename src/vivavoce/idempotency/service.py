"""Claiming an idempotency key, storing the response, and pruning old keys.

A stored response is kept encrypted (`kit.crypto.seal_bytes`): replies to POSTs can hold what
is shown once (a new API key, a webhook signing secret), and a copy in the clear for 24 h would
undo storing those as digests or sealed. A row written before encryption replays as stored."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.idempotency import repository
from vivavoce.kit import crypto

MAX_KEY_LENGTH = 255
_SEAL_PURPOSE = "idempotency-replay"


@dataclass(frozen=True)
class Claim:
    """What to do with a request: run it, replay a stored response, or refuse it."""

    outcome: Literal["proceed", "replay", "mismatch", "in_flight", "unreadable"]
    status: int | None = None
    headers: dict[str, Any] | None = None
    body: bytes | None = None


async def claim(
    db: AsyncSession,
    secret_key: str,
    workspace_id: uuid.UUID,
    key: str,
    method: str,
    path: str,
    request_hash: str,
    now: datetime,
    lock_for: timedelta,
) -> Claim:
    """Take `key` for this request, or say why not. A claim left by a crashed process
    expires after `lock_for`, so the client's retry is not refused forever."""
    if await repository.insert_if_absent(
        db, workspace_id, key, method, path, request_hash, now + lock_for
    ):
        return Claim("proceed")
    row = await repository.get_for_update(db, workspace_id, key)
    if row is None:  # pruned between the two statements: treat as new
        await repository.insert_if_absent(
            db, workspace_id, key, method, path, request_hash, now + lock_for
        )
        return Claim("proceed")
    if row.request_hash != request_hash:
        return Claim("mismatch")
    if row.response_status is not None:
        try:
            body = _readable(secret_key, row.response_body or b"")
        except ValueError:  # sealed under a secret no longer listed: it cannot be replayed
            return Claim("unreadable")
        return Claim("replay", row.response_status, row.response_headers or {}, body)
    if row.locked_until is not None and row.locked_until > now:
        return Claim("in_flight")
    row.locked_until = now + lock_for
    return Claim("proceed")


async def record_response(
    db: AsyncSession,
    secret_key: str,
    workspace_id: uuid.UUID,
    key: str,
    status: int,
    headers: dict[str, Any],
    body: bytes,
) -> None:
    """Keep the response for replay. A server error, an authentication or scope refusal and a
    rate-limit answer free the key instead: they say nothing about the request itself, and a
    retry (with a better key, or later) must run it."""
    if status >= 500 or status in (401, 403, 429):
        await repository.remove(db, workspace_id, key)
    else:
        sealed = crypto.seal_bytes(secret_key, _SEAL_PURPOSE, body)
        await repository.save_response(db, workspace_id, key, status, headers, sealed)


def _readable(secret_key: str, stored: bytes) -> bytes:
    if not crypto.is_sealed_bytes(stored):
        return stored  # kept in the clear before replies were encrypted
    return crypto.unseal_bytes(secret_key, _SEAL_PURPOSE, stored)


async def prune(db: AsyncSession, now: datetime, ttl: timedelta) -> int:
    return await repository.remove_older_than(db, now - ttl)
