"""Live requests first: a background request waits for them, or is preempted and run again."""

from __future__ import annotations

import asyncio

import pytest

from vivavoce.interviewer.providers.gate import PriorityGate


async def test_a_live_request_preempts_background_work_which_then_runs_again() -> None:
    gate = PriorityGate(1)
    started: list[int] = []
    began = asyncio.Event()
    release = asyncio.Event()

    async def background_work() -> str:
        started.append(len(started))
        began.set()
        await release.wait()
        return "done"

    background = asyncio.create_task(gate.run_background(background_work))
    await began.wait()
    async with gate.live():
        assert gate.preemptions == 1
        assert gate.live_running == 1 and gate.in_use == 1  # the background slot was freed
        release.set()
    assert await background == "done"
    assert started == [0, 1]  # preempted once, then run again from the start


async def test_background_work_waits_while_a_live_request_holds_the_only_slot() -> None:
    gate = PriorityGate(1)
    order: list[str] = []

    async def background_work() -> None:
        order.append("background")

    async with gate.live():
        task = asyncio.create_task(gate.run_background(background_work))
        for _ in range(20):
            await asyncio.sleep(0)
        order.append("live done")
    await task
    assert order == ["live done", "background"]


async def test_with_room_to_spare_background_work_runs_beside_live_requests() -> None:
    gate = PriorityGate(2)
    ran = asyncio.Event()

    async def background_work() -> None:
        ran.set()

    async with gate.live():
        await gate.run_background(background_work)
    assert ran.is_set() and gate.preemptions == 0


async def test_cancelling_the_caller_cancels_its_background_work() -> None:
    gate = PriorityGate(1)
    cancelled = asyncio.Event()
    began = asyncio.Event()

    async def background_work() -> None:
        began.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = asyncio.create_task(gate.run_background(background_work))
    await began.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set() and gate.in_use == 0
