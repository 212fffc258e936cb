"""Human pacing of the interviewer's words: a reply is shown at a reading pace, not dumped.

A `Reveal` sits between the interviewer's voice (which words a move, as fast as it can: the
offline voice all at once, a model token by token) and the candidate's socket. It sends the
first word as soon as it is there, then one word at a time, `1 / words_per_second` apart
(words that arrive slower than that go as they arrive; a burst is never sent at once), each
as an `ai_delta` frame. Only whole words are shown while the reply is still being worded.

The room stores the turn the moment its words are complete, before the reveal has caught up
(a crash loses nothing), then `finish` lets the reveal run on by itself and send the stored
`turn` frame after its last word. `hurry` shows everything not yet shown at once: the room
calls it when the candidate answers (or ends the interview) during a reveal.

With `words_per_second` 0 nothing is paced: each delta carries all the text worded so far and
not yet sent (the voice interview is paced by the audio instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

Send = Callable[[dict[str, Any]], Awaitable[None]]

MIN_FRAME_SECONDS = 0.1  # at a faster pace, several words share one frame
_COMPLETE_WORD = re.compile(r"\s*\S+\s+")  # a word that the text goes on after
_LAST_WORD = re.compile(r"\s*\S+\s*$")


class Reveal:
    """One reply's words on their way to the candidate (see the module docstring)."""

    def __init__(self, send: Send, words_per_second: float, *, hurried: bool = False) -> None:
        self._send = send
        interval = 1.0 / words_per_second if words_per_second > 0 else 0.0
        self._words_per_frame = max(1, round(MIN_FRAME_SECONDS / interval)) if interval else 0
        self._frame_seconds = interval * self._words_per_frame
        self._text = ""  # everything worded so far
        self._shown = 0  # how much of it has been sent
        self._worded = False  # the reply is complete: its last word may go too
        self._hurry = asyncio.Event()
        if hurried:
            self._hurry.set()
        self._more = asyncio.Event()
        self._next_due = 0.0  # monotonic time the next frame may go
        self._task: asyncio.Task[None] | None = None
        self._then: dict[str, Any] | None = None

    @property
    def shown_any(self) -> bool:
        return self._shown > 0

    def add(self, chunk: str) -> None:
        """More of the reply, as the voice words it."""
        self._text += chunk
        self._more.set()
        self._start()

    def seconds_left(self) -> float:
        """How long the words not yet shown will take at this pace (the reply complete)."""
        if not self._frame_seconds or self._hurry.is_set():
            return 0.0
        words = len(self._text[self._shown :].split())
        frames = -(-words // self._words_per_frame)
        wait = max(0.0, self._next_due - time.monotonic())
        return wait + max(0, frames - 1) * self._frame_seconds

    def finish(self, then: dict[str, Any]) -> None:
        """The reply is complete (and stored): show the rest at the pace, then send `then`."""
        self._then = then
        self._worded = True
        self._more.set()
        self._start()

    def hurry(self) -> None:
        """Show everything not yet shown at once, and what comes later as it comes."""
        self._hurry.set()

    async def settled(self) -> None:
        """Wait until every word and the closing frame have been sent."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._task)

    def cancel(self) -> None:
        """Send nothing more, without waiting (the connection is gone or displaced)."""
        if self._task is not None:
            self._task.cancel()

    async def stop(self) -> None:
        """Send nothing more (the reply is void or the connection is gone)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            piece = self._next_piece()
            if piece is None:
                if self._worded:
                    break
                self._more.clear()
                await self._more.wait()
                continue
            await self._wait_due()
            if self._hurry.is_set() or not self._frame_seconds:
                piece = self._text[self._shown :]  # everything there is, at once
            self._shown += len(piece)
            await self._send({"type": "ai_delta", "text": piece})
            now = time.monotonic()
            # the next frame is due one frame later (from when this one was due, so a late
            # wake-up does not slow the pace, but never so early that frames pile up)
            self._next_due = max(now, self._next_due) + self._frame_seconds
        if self._then is not None:
            await self._send(self._then)

    def _next_piece(self) -> str | None:
        """The next frame's words, when there are any to show now."""
        rest = self._text[self._shown :]
        if not rest.strip():
            return None
        if not self._frame_seconds or self._hurry.is_set():
            return rest
        end = 0
        for _ in range(self._words_per_frame):
            word = _COMPLETE_WORD.match(rest, end)
            if word is None:
                last = _LAST_WORD.match(rest, end) if self._worded else None
                end = last.end() if last is not None else end
                break
            end = word.end()
        return rest[:end] or None

    async def _wait_due(self) -> None:
        delay = self._next_due - time.monotonic()
        if delay > 0 and not self._hurry.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._hurry.wait(), delay)
