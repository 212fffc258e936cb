from __future__ import annotations

import asyncio

import pytest

from vivavoce.kit.coalesce import Coalescer


async def test_concurrent_items_share_a_batch_and_get_their_own_results() -> None:
    batches: list[list[int]] = []

    async def run(items: list[int]) -> list[int]:
        batches.append(items)
        await asyncio.sleep(0.01)
        return [item * 10 for item in items]

    coalescer: Coalescer[int, int] = Coalescer(run)
    assert await coalescer.submit(1) == 10  # alone: a batch of its own, at once
    results = await asyncio.gather(*(coalescer.submit(n) for n in range(2, 12)))
    assert results == [n * 10 for n in range(2, 12)]
    assert batches[0] == [1]
    assert sum(len(batch) for batch in batches) == 11
    assert len(batches) < 11  # the ten concurrent items did not take ten round trips


async def test_items_arriving_during_a_batch_go_in_the_next_one() -> None:
    batches: list[list[str]] = []
    gate = asyncio.Event()

    async def run(items: list[str]) -> list[str]:
        batches.append(items)
        if len(batches) == 1:
            await gate.wait()
        return [item.upper() for item in items]

    coalescer: Coalescer[str, str] = Coalescer(run)
    first = asyncio.create_task(coalescer.submit("a"))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    later = [asyncio.create_task(coalescer.submit(x)) for x in "bcd"]
    await asyncio.sleep(0)
    gate.set()
    assert await first == "A"
    assert [await task for task in later] == ["B", "C", "D"]
    assert batches == [["a"], ["b", "c", "d"]]


async def test_a_failing_batch_fails_its_callers_only() -> None:
    calls = 0

    async def run(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database gone")
        return items

    coalescer: Coalescer[int, int] = Coalescer(run)
    with pytest.raises(RuntimeError, match="database gone"):
        await coalescer.submit(1)
    assert await coalescer.submit(2) == 2


async def test_a_batch_is_capped() -> None:
    sizes: list[int] = []

    async def run(items: list[int]) -> list[int]:
        sizes.append(len(items))
        await asyncio.sleep(0)
        return items

    coalescer: Coalescer[int, int] = Coalescer(run, max_batch=3)
    assert await asyncio.gather(*(coalescer.submit(n) for n in range(10))) == list(range(10))
    assert max(sizes) <= 3
