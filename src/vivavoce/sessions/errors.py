"""Errors of the live room's writes: a connection that no longer holds the interview, and a
turn position already taken."""

from __future__ import annotations

from typing import Protocol

from vivavoce.kit.errors import Conflict


class ConnectionReplaced(Conflict):
    """Another connection has taken the interview over: this one may no longer write."""

    def __init__(self) -> None:
        super().__init__(
            "another connection has taken this interview over", code="connection_replaced"
        )


class TurnIndexTaken(Conflict):
    """The turn was decided on a transcript that has grown since: nothing was written."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"turn {expected} is already stored", code="turn_index_taken", next_index=actual
        )


class Held(Protocol):
    """A session, or the columns of it a write has locked."""

    @property
    def live_connection_id(self) -> str | None: ...


def ensure_holder(session: Held, holder: str | None) -> None:
    """The fence of every live-room write, checked under the session's row lock: a write on
    behalf of a connection (`holder` not None) happens only while that connection holds the
    interview."""
    if holder is not None and session.live_connection_id != holder:
        raise ConnectionReplaced()
