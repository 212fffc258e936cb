"""What the running app holds: settings, database, limiter. Stored on `app.state.vv`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from vivavoce.config import Settings
from vivavoce.kit.bus import Handlers
from vivavoce.kit.db import StatementPool
from vivavoce.kit.pubsub import Listener
from vivavoce.kit.ratelimit import RateLimiter
from vivavoce.workspaces.service import KeyCache


@dataclass
class AppState:
    settings: Settings
    database_url: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    handlers: Handlers  # the domain event handlers its sessions carry (runtime.domain_handlers)
    limiter: RateLimiter
    address_limiter: RateLimiter
    transcript_listener: Listener
    reads: StatementPool
    keys_listener: Listener
    keys: KeyCache
    # A tiny pool of its own for the live rooms' heartbeats (sessions.live_seen_at), so a
    # starved main pool cannot make a connected candidate look gone to the grace check.
    liveness_sessionmaker: async_sessionmaker[AsyncSession] | None = None


def app_state(connection: HTTPConnection) -> AppState:
    state: AppState = connection.app.state.vv
    return state
