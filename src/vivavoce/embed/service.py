"""Embed tokens (docs/embed.md, ADR 16).

A host page's server exchanges its API key for an embed token of one session
(`issue`), valid for `embed_token_ttl_seconds` and bound to one origin of the template's
`embed_origins`. The embedded page redeems it once (`redeem`): the token is spent, and the
page gets a room key in exchange, which the live room, the signals and the coding pane take
where a join token goes, until the session ends or `ROOM_LIFETIME` passes. Both are stored
as SHA-256 digests only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.embed import repository
from vivavoce.embed.schemas import EmbedTokenCreate
from vivavoce.kit import crypto
from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.errors import Conflict, Issue, NotFound, Unprocessable
from vivavoce.models import EmbedToken
from vivavoce.sessions import service as sessions
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader

ROOM_LIFETIME = timedelta(hours=6)
Refusal = Literal["token_used", "token_expired"]


@dataclass(frozen=True)
class Issued:
    token: str
    row: EmbedToken

    def public(self, public_url: str) -> dict[str, str]:
        return {
            "token": self.token,
            "embed_url": f"{public_url.rstrip('/')}/embed/{self.token}",
            "origin": self.row.origin,
            "session_id": str(self.row.session_id),
            "expires_at": isoformat_z(self.row.expires_at) or "",
        }


def _chosen_origin(allowed: list[str], asked: str | None) -> str:
    if not allowed:
        raise Conflict(
            "this session's template allows no embedding origins: set its embed_origins first",
            code="embedding_not_allowed",
            field="embed_origins",
        )
    if asked is None:
        if len(allowed) == 1:
            return allowed[0]
        raise Unprocessable(
            "origin is required: the template allows more than one embedding origin",
            [Issue(["body", "origin"], f"one of: {', '.join(allowed)}")],
        )
    if asked not in allowed:
        raise Unprocessable(
            f"{asked} is not one of the template's embed_origins",
            [Issue(["body", "origin"], f"one of: {', '.join(allowed)}")],
            code="origin_not_allowed",
        )
    return asked


async def issue(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    body: EmbedTokenCreate,
    now: datetime,
    ttl_seconds: int,
    reader: Reader | None = None,
) -> Issued:
    """A new embed token for an open live session of the workspace (404 for another
    workspace's, 409 for a finished one or one of a stage that is not a live interview)."""
    session = await sessions.open_live_session(
        db, workspace_id, session_id, reader, channel="in an embedded page"
    )
    template = await templates.get_template(db, workspace_id, session.evaluation_template_id)
    origin = _chosen_origin(list(template.embed_origins or []), body.origin)
    token = crypto.random_token(32)
    row = EmbedToken(
        workspace_id=workspace_id,
        session_id=session.id,
        token_digest=crypto.digest(token),
        origin=origin,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    await repository.add(db, row)
    return Issued(token, row)


@dataclass(frozen=True)
class Redeemed:
    """A page load of an embed token: `room` is the room key it was given, None when the
    token was refused (`refusal`); `origin` and `session_id` are the token's either way."""

    origin: str
    session_id: uuid.UUID
    room: str | None = None
    refusal: Refusal | None = None


async def framed_room(db: AsyncSession, room: str, now: datetime) -> Redeemed:
    """The token a room key was given for, while the key is valid (NotFound otherwise): the
    widget's pages after the interview page (a practice's feedback) are framed by its origin."""
    row = await repository.by_room_digest(db, crypto.digest(room), now)
    if row is None:
        raise NotFound("interview")
    return Redeemed(row.origin, row.session_id, room=room)


async def redeem(db: AsyncSession, token: str, now: datetime) -> Redeemed:
    """Spend the token (NotFound("interview") for an unknown one)."""
    digest = crypto.digest(token)
    room = crypto.random_token(32)
    row = await repository.redeem(db, digest, crypto.digest(room), now + ROOM_LIFETIME, now)
    if row is not None:
        return Redeemed(row.origin, row.session_id, room=room)
    known = await repository.by_token_digest(db, digest)
    if known is None:
        raise NotFound("interview")
    refusal: Refusal = "token_used" if known.used_at is not None else "token_expired"
    return Redeemed(known.origin, known.session_id, refusal=refusal)
