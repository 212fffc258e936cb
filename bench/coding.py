"""Coding-round throughput: BENCH_RUNS (default 20) candidates pressing Run at once.

Each Run is a small Python program against 5 visible tests, through the executor a worker
uses (the real sandbox: setpriv, bubblewrap, seccomp, prlimit, the harness). Time to
results = from the press to the judged report. Beside it, the floor: bare
`bwrap --unshare-all ... python3 -c pass`, one at a time and BENCH_RUNS at once. Repeated
BENCH_ROUNDS (default 3) times; prints p50/p99/max, the load average before and after, and
the target (p50 < 1.5 s). Stops by itself (BENCH_TIMEOUT, default 300 s).

    .venv/bin/python bench/coding.py
    BENCH_RUNS=40 BENCH_LANGUAGE=javascript .venv/bin/python bench/coding.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from machine import machine

from vivavoce.coding.executor import CodeTest, Executor
from vivavoce.coding.limits import Limits
from vivavoce.coding.runtimes import Language
from vivavoce.coding.sandbox import Sandbox, SandboxConfig
from vivavoce.config import Settings

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LANGUAGE = Language(os.environ.get("BENCH_LANGUAGE", "python"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "300"))
TARGET_P50 = 1.5

SOURCES = {
    Language.PYTHON: "def two_sum(nums, target):\n"
    "    seen = {}\n"
    "    for i, n in enumerate(nums):\n"
    "        if target - n in seen:\n"
    "            return [seen[target - n], i]\n"
    "        seen[n] = i\n"
    "    return []\n",
    Language.JAVASCRIPT: "function two_sum(nums, target) {\n"
    "  const seen = new Map();\n"
    "  for (let i = 0; i < nums.length; i++) {\n"
    "    if (seen.has(target - nums[i])) return [seen.get(target - nums[i]), i];\n"
    "    seen.set(nums[i], i);\n"
    "  }\n"
    "  return [];\n"
    "}\n",
}
SOURCES[Language.TYPESCRIPT] = SOURCES[Language.JAVASCRIPT].replace(
    "(nums, target)", "(nums: number[], target: number): number[]"
)
TESTS = [
    CodeTest([[2, 7, 11, 15], 9], [0, 1]),
    CodeTest([[3, 2, 4], 6], [1, 2]),
    CodeTest([[3, 3], 6], [0, 1]),
    CodeTest([list(range(1000)), 1997], [998, 999]),
    CodeTest([[1, 2], 7], []),
]
FLOOR = [
    "bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr",
    "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
    "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev",
    "/usr/bin/python3", "-c", "pass",
]  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def one_run(executor: Executor) -> float:
    started = time.perf_counter()
    report = await executor.execute(LANGUAGE, SOURCES[LANGUAGE], "two_sum", TESTS, Limits())
    elapsed = time.perf_counter() - started
    if report.passed != len(TESTS):
        raise SystemExit(f"a run did not pass: {report}")
    return elapsed


async def floor_once() -> float:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(*FLOOR)
    await process.wait()
    return time.perf_counter() - started


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:<44} {statistics.median(values):7.3f} {percentile(values, 0.99):7.3f} "
        f"{max(values):7.3f}  n={len(values)}"
    )


async def main() -> None:
    executor = Executor(Sandbox(SandboxConfig.from_settings(Settings())))
    await one_run(executor)  # warm the page cache
    load_before = os.getloadavg()
    floor_serial = [await floor_once() for _ in range(RUNS)]
    floor_concurrent: list[float] = []
    runs: list[float] = []
    for _ in range(ROUNDS):
        floor_concurrent += await asyncio.gather(*[floor_once() for _ in range(RUNS)])
        runs += await asyncio.gather(*[one_run(executor) for _ in range(RUNS)])
    load_after = os.getloadavg()
    print(f"machine: {machine()}")
    print(f"sandbox slots: {executor.sandbox.config.slots}, language: {LANGUAGE.value}")
    print(f"{'seconds':<44} {'p50':>7} {'p99':>7} {'max':>7}")
    print(line("floor: bare bwrap python -c pass, 1 by 1", floor_serial))
    print(line(f"floor: bare bwrap python -c pass, {RUNS} at once", floor_concurrent))
    print(line(f"Run (5 tests), {RUNS} at once", runs))
    p50 = statistics.median(runs)
    print(f"load average (1/5/15 min) before {load_before}, after {load_after}")
    ratio = p50 / statistics.median(floor_concurrent)
    verdict = "meets" if p50 < TARGET_P50 else "MISSES"
    print(f"p50 {p50:.3f} s {verdict} the target {TARGET_P50} s; {ratio:.1f}x the concurrent floor")


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(), TIMEOUT))
