"""At most N requests to one model server at once, live turns first.

Servers like llama.cpp serve one request at a time (and interrupt a running one when another
arrives); Ollama queues them. A model answer for scripted-answer similarity or a scoring
sample sent while a candidate waits for the interviewer would delay, or break, the live turn.
So every request passes a `PriorityGate`:

- a live request (the interviewer's words, the answer judge) takes a free slot at once; when
  none is free it *preempts* a background request holding one — cancels it — and takes its
  slot as soon as it is released;
- a background request (`run_background`) waits until no live request is waiting and a slot
  is free (on a one-request server: until the live turn is done); when preempted, it starts
  again from scratch once the live turns are done. Background work must therefore be safe
  to repeat (it is: a model answer, a scoring sample).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class PriorityGate:
    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.live_running = 0
        self.live_waiting = 0
        self.preemptions = 0
        self._background: set[asyncio.Task[object]] = set()
        self._preempted: set[asyncio.Task[object]] = set()
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def in_use(self) -> int:
        return self.live_running + len(self._background)

    def _changed(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def _wait_for_change(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter

    def _preempt_one(self) -> None:
        running = [task for task in self._background if task not in self._preempted]
        if running:
            self._preempted.add(running[0])
            self.preemptions += 1
            running[0].cancel()

    @contextlib.asynccontextmanager
    async def live(self) -> AsyncIterator[None]:
        """Hold a slot for one live request."""
        self.live_waiting += 1
        try:
            while self.in_use >= self.limit:
                self._preempt_one()
                await self._wait_for_change()
        finally:
            self.live_waiting -= 1
        self.live_running += 1
        try:
            yield
        finally:
            self.live_running -= 1
            self._changed()

    async def run_background(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work()` in a slot no live request wants; again from the start if preempted."""
        current = asyncio.current_task()
        while True:
            while self.live_waiting or self.in_use >= self.limit:
                await self._wait_for_change()
            child: asyncio.Task[T] = asyncio.ensure_future(work())
            self._background.add(child)
            try:
                return await child
            except asyncio.CancelledError:
                preempted = child in self._preempted
                if not preempted or (current is not None and current.cancelling()):
                    raise
            finally:
                self._background.discard(child)
                self._preempted.discard(child)
                self._changed()
