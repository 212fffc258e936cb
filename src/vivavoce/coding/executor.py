"""A problem's tests through the sandbox, judged outside it.

The sandbox gets the source and each test's arguments, never the expected values. Tests run
one after another in one sandboxed process; when a test hangs past its time limit, crashes
its process or exhausts its memory, that test is recorded as such and the tests after it go
on in a fresh sandbox, until the run's own time limit.
"""

from __future__ import annotations

import asyncio
import json
import math
import signal
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from vivavoce.coding.limits import Limits
from vivavoce.coding.runtimes import Language, command, process_limits
from vivavoce.coding.sandbox import Outcome, Sandbox

TestStatus = Literal["passed", "failed", "error", "timeout"]
MAX_MESSAGE_CHARS = 4000


@dataclass(frozen=True)
class CodeTest:
    """One call of the entry function; `hidden` tests never show their arguments or values."""

    args: list[Any]
    expected: Any
    hidden: bool = False
    name: str | None = None


@dataclass
class CodeTestResult:
    index: int
    status: TestStatus
    actual: Any = None
    error: str | None = None
    time_ms: float | None = None


@dataclass
class ExecutionReport:
    """Per-test results in test order, output capped, and what the run used."""

    results: list[CodeTestResult]
    stdout: str = ""
    stderr: str = ""
    output_truncated: bool = False
    wall_ms: float = 0.0
    cpu_ms: float = 0.0
    max_memory_kb: int = 0
    load_error: str | None = None

    @property
    def passed(self) -> int:
        return sum(result.status == "passed" for result in self.results)


@dataclass
class _Attempt:
    """What one sandboxed process reported on its results channel."""

    loaded: bool = False
    load_error: str | None = None
    current: int | None = None
    current_started: float = 0.0
    values: dict[int, dict[str, Any]] = field(default_factory=dict)
    done: dict[str, Any] | None = None

    def take(self, line: bytes, now: float) -> None:
        try:
            record = json.loads(line)
        except ValueError:
            return  # the candidate wrote garbage on the channel: ignored
        if not isinstance(record, dict):
            return
        event = record.get("event")
        if event == "loaded":
            self.loaded = True
        elif event == "load_error":
            self.load_error = storable(str(record.get("error", ""))[:MAX_MESSAGE_CHARS])
        elif event == "start" and isinstance(record.get("index"), int):
            self.current, self.current_started = record["index"], now
        elif event == "result" and record.get("index") == self.current:
            self.values.setdefault(record["index"], record)
            self.current = None
        elif event == "done":
            self.done = record


def storable(value: Any) -> Any:
    """`value` as PostgreSQL can keep it (text and JSONB hold neither NUL nor unpaired
    surrogates, JSON has no NaN or infinities): such characters become U+FFFD, such numbers
    their names as text."""
    if isinstance(value, str):
        cleaned = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return cleaned.replace("\x00", "\ufffd")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(str(key)): storable(item) for key, item in value.items()}
    return value


def values_equal(actual: Any, expected: Any) -> bool:
    """JSON equality, with floats compared to 1e-9 relative (and absolute) tolerance."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(
            values_equal(a, e) for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(
            values_equal(actual[key], expected[key]) for key in expected
        )
    return bool(actual == expected)


class Executor:
    """Runs candidate code against tests; one per process, sharing its sandbox's slots."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    async def execute(
        self, language: Language, source: str, entry: str, tests: list[CodeTest], limits: Limits
    ) -> ExecutionReport:
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        run_deadline = loop.time() + limits.run_seconds
        report = ExecutionReport(results=[])
        pending = list(range(len(tests)))
        output_left = limits.output_bytes
        while pending:
            if loop.time() >= run_deadline:
                report.results += [_out_of_time(index) for index in pending]
                break
            attempt = _Attempt()
            request = _request(language, source, entry, tests, pending)

            def deadline(attempt: _Attempt = attempt) -> float:
                if attempt.current is None:
                    return run_deadline
                return min(run_deadline, attempt.current_started + limits.test_seconds)

            outcome = await self.sandbox.run(
                command(language, limits),
                request,
                process_limits(language, limits),
                on_channel_line=partial(_take, attempt, loop),
                deadline=deadline,
            )
            output_left = _add_output(report, outcome, output_left)
            _add_usage(report, attempt)
            pending = _judge_attempt(report, attempt, outcome, tests, pending, limits)
        report.results.sort(key=lambda result: result.index)
        report.wall_ms = round((time.monotonic() - started) * 1000, 1)
        return report


def _take(attempt: _Attempt, loop: asyncio.AbstractEventLoop, line: bytes) -> None:
    attempt.take(line, loop.time())


def _request(
    language: Language, source: str, entry: str, tests: list[CodeTest], pending: list[int]
) -> bytes:
    calls = [{"index": index, "args": tests[index].args} for index in pending]
    body = {"language": language.value, "source": source, "entry": entry, "tests": calls}
    return json.dumps(body).encode()


def _judge_attempt(
    report: ExecutionReport,
    attempt: _Attempt,
    outcome: Outcome,
    tests: list[CodeTest],
    pending: list[int],
    limits: Limits,
) -> list[int]:
    """Record what this attempt decided; return the tests still to run in a fresh sandbox."""
    if attempt.load_error is not None or not attempt.loaded:
        message = attempt.load_error or _ended(outcome, limits, loading=True)
        report.load_error = message
        report.results += [CodeTestResult(index, "error", error=message) for index in pending]
        return []
    for position, index in enumerate(pending):
        record = attempt.values.get(index)
        if record is not None:
            report.results.append(_judged(index, record, tests[index]))
            continue
        if attempt.current == index or attempt.done is None:
            status: TestStatus = "timeout" if outcome.timed_out else "error"
            report.results.append(
                CodeTestResult(index, status, error=_ended(outcome, limits, loading=False))
            )
            if outcome.output_exceeded:
                rest = pending[position + 1 :]
                report.results += [_not_run(i, "the output limit was reached") for i in rest]
                return []
            return pending[position + 1 :]
        report.results.append(CodeTestResult(index, "error", error="the test did not run"))
    return []


def _judged(index: int, record: dict[str, Any], test: CodeTest) -> CodeTestResult:
    time_ms = record.get("ms") if isinstance(record.get("ms"), int | float) else None
    if "error" in record:
        error = storable(str(record["error"])[:MAX_MESSAGE_CHARS])
        return CodeTestResult(index, "error", error=error, time_ms=time_ms)
    actual = storable(record.get("value"))
    status: TestStatus = "passed" if values_equal(actual, test.expected) else "failed"
    return CodeTestResult(index, status, actual=actual, time_ms=time_ms)


def _ended(outcome: Outcome, limits: Limits, *, loading: bool) -> str:
    """Why the process stopped before reporting, in the candidate's terms."""
    if outcome.output_exceeded:
        return f"the output limit ({limits.output_bytes} bytes) was exceeded"
    if outcome.timed_out:
        if loading:
            return f"the program did not finish loading within {limits.run_seconds:g} s"
        return f"the test did not finish within {limits.test_seconds:g} s"
    if outcome.signal == signal.SIGKILL or outcome.exit_code in (137, -9):
        return "the process was killed (a resource limit: CPU time, memory or processes)"
    if outcome.signal == signal.SIGXCPU or outcome.exit_code == 128 + signal.SIGXCPU:
        return f"the CPU time limit ({limits.cpu_seconds} s) was exceeded"
    stderr = outcome.stderr.decode("utf-8", "replace")
    if "heap out of memory" in stderr or "MemoryError" in stderr:
        return f"the memory limit ({limits.memory_mb} MB) was exceeded"
    return f"the process ended (exit status {outcome.exit_code}) before the test finished"


def _out_of_time(index: int) -> CodeTestResult:
    return CodeTestResult(
        index, "timeout", error="the run's time limit was reached before this test"
    )


def _not_run(index: int, why: str) -> CodeTestResult:
    return CodeTestResult(index, "error", error=f"not run: {why}")


def _add_output(report: ExecutionReport, outcome: Outcome, left: int) -> int:
    for name in ("stdout", "stderr"):
        data: bytes = getattr(outcome, name)
        kept = data[: max(left, 0)]
        if len(kept) < len(data) or outcome.output_exceeded:
            report.output_truncated = True
        left -= len(kept)
        text = storable(kept.decode("utf-8", "replace"))
        setattr(report, name, getattr(report, name) + text)
    return left


def _add_usage(report: ExecutionReport, attempt: _Attempt) -> None:
    done = attempt.done or {}
    cpu, rss = done.get("cpu_ms"), done.get("max_rss_kb")
    if isinstance(cpu, int | float) and cpu >= 0:
        report.cpu_ms = round(report.cpu_ms + float(cpu), 1)
    if isinstance(rss, int) and rss >= 0:
        report.max_memory_kb = max(report.max_memory_kb, rss)
