"""Which connection owns a live session, as this process sees it, and how a displaced one
hears of it at once.

The database decides ownership: `sessions.live_connection_id` is the fencing token, set by
`sessions.service.claim_connection` and checked under the session's row lock by every write
the room makes (`ConnectionReplaced` otherwise), so a displaced connection can never store a
turn, whatever the timing. This module only makes the displaced connection *know* promptly:

- in this process, the registry hands the previous room of a session over to the new one;
- from another process, the claim's notification (`sessions.service.takeover_topic`, on the
  transcript channel this process already listens to) makes the room here re-read the holder
  and, when it is no longer the holder, close as `taken_over`. When the listener reconnects
  (notifications may have been lost) every live room here re-checks; the room's heartbeat is
  the last backstop.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import Coroutine
from typing import Any, Protocol

from vivavoce.sessions import service as sessions


class Owner(Protocol):
    """What the registry needs of a room."""

    def check_holder(self) -> Coroutine[Any, Any, None]: ...


_live: dict[uuid.UUID, Any] = {}  # this process's current room per session
_watched: weakref.WeakSet[Any] = weakref.WeakSet()  # listeners already watched
_checks: set[asyncio.Task[None]] = set()  # running holder checks (kept from the collector)


def register(session_id: uuid.UUID, room: Owner) -> Owner | None:
    """`room` is now this process's room for the session; the one it replaced, if any."""
    previous = _live.get(session_id)
    _live[session_id] = room
    return previous if previous is not room else None


def unregister(session_id: uuid.UUID, room: Owner) -> None:
    if _live.get(session_id) is room:
        del _live[session_id]


def current(session_id: uuid.UUID) -> Owner | None:
    room: Owner | None = _live.get(session_id)
    return room


def watch(listener: Any) -> None:
    """Hear takeovers made by other processes through `listener` (a `kit.pubsub.Listener`
    on the transcript channel); once per listener."""
    if listener is None or listener in _watched:
        return
    _watched.add(listener)
    listener.watch(_notified)


def _notified(topic: str | None) -> None:
    if topic is None:  # the listener (re)connected: anything may have been missed
        rooms = list(_live.values())
    elif topic.startswith(sessions.TAKEOVER_TOPIC):
        try:
            session_id = uuid.UUID(topic.removeprefix(sessions.TAKEOVER_TOPIC))
        except ValueError:
            return
        room = _live.get(session_id)
        rooms = [room] if room is not None else []
    else:
        return
    loop = asyncio.get_running_loop()
    for room in rooms:
        task = loop.create_task(room.check_holder())
        _checks.add(task)
        task.add_done_callback(_checks.discard)
