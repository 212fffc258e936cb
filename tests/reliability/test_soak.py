"""The CI version of `make soak`: 20 concurrent candidates for 25 s on 2 API + 2 worker
processes, every interview followed over SSE from the other process and every event
delivered to a local receiver. No error, every invariant holds, and no process keeps
growing in the second half of the run."""

from __future__ import annotations

import pytest
from reliability.soak import print_report, soak

pytestmark = pytest.mark.slow

MAX_GROWTH_MIB = 25  # over the second half: warm-up is done by then, a leak is not


async def test_a_short_soak_has_no_errors_and_no_growth() -> None:
    result = await soak(concurrency=20, duration=25, sample_every=2)
    print_report(result)
    assert not result.problems
    assert result.figures.interviews >= 20
    assert result.figures.errors == 0
    for process in result.processes:
        assert result.growth_mib(process) < MAX_GROWTH_MIB, process.name
