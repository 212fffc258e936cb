"""Bodies of the coding endpoints: executions and problems."""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from vivavoce.coding.limits import (
    MAX_MEMORY_MB,
    MAX_OUTPUT_BYTES,
    MAX_RUN_SECONDS,
    MAX_TEST_SECONDS,
    Limits,
)
from vivavoce.coding.runtimes import Language
from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import CodeExecution

MAX_SOURCE_CHARS = 64_000
MAX_TESTS = 50
MAX_TEST_JSON_CHARS = 64_000
ENTRY_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
Mode = Literal["run", "submit"]


class TestIn(StrictModel):
    """One call of the entry function: its arguments and the value it must return."""

    name: str | None = Field(default=None, max_length=200)
    args: list[Any] = Field(description="Positional arguments, as JSON")
    expected: Any = Field(description="The value the call must return, as JSON")

    @model_validator(mode="after")
    def _bounded(self) -> TestIn:
        try:
            encoded = json.dumps([self.args, self.expected], allow_nan=False)
        except ValueError:
            raise ValueError("NaN and infinities are not JSON; use null or a string") from None
        if len(encoded) > MAX_TEST_JSON_CHARS:
            raise ValueError(f"a test's args and expected value exceed {MAX_TEST_JSON_CHARS} chars")
        return self


class LimitsIn(StrictModel):
    """Overrides of the default limits, each bounded."""

    test_seconds: float | None = Field(default=None, gt=0, le=MAX_TEST_SECONDS)
    run_seconds: float | None = Field(default=None, gt=0, le=MAX_RUN_SECONDS)
    memory_mb: int | None = Field(default=None, ge=32, le=MAX_MEMORY_MB)
    output_bytes: int | None = Field(default=None, ge=1024, le=MAX_OUTPUT_BYTES)

    def applied(self, base: Limits | None = None) -> dict[str, Any]:
        merged = limits_dict(base or Limits())
        merged.update(self.model_dump(exclude_none=True))
        return merged


def limits_dict(limits: Limits) -> dict[str, Any]:
    return {
        "test_seconds": limits.test_seconds,
        "run_seconds": limits.run_seconds,
        "memory_mb": limits.memory_mb,
        "output_bytes": limits.output_bytes,
    }


def limits_from(stored: dict[str, Any]) -> Limits:
    known = {key: stored[key] for key in limits_dict(Limits()) if key in stored}
    limits = Limits(**known)
    cpu = max(1, int(limits.run_seconds) + 1)
    return Limits(**{**known, "cpu_seconds": cpu})


class ExecutionCreate(StrictModel):
    """Run `source` against `tests`, or against a problem's tests (`problem_id`, `mode`)."""

    language: Language
    source: str = Field(max_length=MAX_SOURCE_CHARS)
    entry: str | None = Field(
        default=None, pattern=ENTRY_PATTERN, description="The function the tests call"
    )
    tests: list[TestIn] | None = Field(default=None, min_length=1, max_length=MAX_TESTS)
    problem_id: uuid.UUID | None = None
    mode: Mode = Field(
        default="run", description="With a problem: `run` its visible tests, `submit` all"
    )
    session_id: uuid.UUID | None = None
    limits: LimitsIn | None = None
    wait: bool = Field(default=True, description="Answer with the results (up to 30 s)")

    @model_validator(mode="after")
    def _tests_or_problem(self) -> ExecutionCreate:
        if (self.tests is None) == (self.problem_id is None):
            raise ValueError("give either `tests` (with `entry`) or `problem_id`")
        if self.tests is not None and self.entry is None:
            raise ValueError("`entry` names the function the tests call")
        return self


class TestResultOut(BaseModel):
    index: int
    name: str | None
    hidden: bool
    status: Literal["passed", "failed", "error", "timeout"]
    args: list[Any] | None = None
    expected: Any = None
    actual: Any = None
    error: str | None = None
    time_ms: float | None = None


class ExecutionOut(BaseModel):
    id: uuid.UUID
    status: Literal["queued", "running", "completed", "failed"]
    language: Language
    mode: str
    source: str
    session_id: uuid.UUID | None
    problem_id: uuid.UUID | None
    passed: int | None
    total: int
    hidden_passed: int | None
    hidden_total: int
    results: list[TestResultOut] | None
    stdout: str | None
    stderr: str | None
    output_truncated: bool
    error: str | None
    time_ms: float | None
    cpu_ms: float | None
    memory_kb: int | None
    limits: dict[str, Any]
    created_at: str
    completed_at: str | None


def result_public(result: dict[str, Any], *, reveal_hidden: bool) -> dict[str, Any]:
    """A test result as shown: a hidden test shows its status only, unless revealed."""
    shown = {key: result.get(key) for key in ("index", "name", "hidden", "status", "time_ms")}
    if result.get("hidden") and not reveal_hidden:
        shown["name"] = None
        shown.update(args=None, expected=None, actual=None, error=None)
        return shown
    for key in ("args", "expected", "actual", "error"):
        shown[key] = result.get(key)
    return shown


def execution_public(execution: CodeExecution, *, reveal_hidden: bool = True) -> dict[str, Any]:
    results = execution.results
    return {
        "id": str(execution.id),
        "status": execution.status,
        "language": execution.language,
        "mode": execution.mode,
        "source": execution.source,
        "session_id": str(execution.session_id) if execution.session_id else None,
        "problem_id": str(execution.problem_id) if execution.problem_id else None,
        "passed": execution.passed,
        "total": execution.total,
        "hidden_passed": execution.hidden_passed,
        "hidden_total": execution.hidden_total,
        "results": None
        if results is None
        else [result_public(r, reveal_hidden=reveal_hidden) for r in results],
        "stdout": execution.stdout,
        "stderr": execution.stderr,
        "output_truncated": execution.output_truncated,
        "error": execution.error,
        "time_ms": execution.wall_ms,
        "cpu_ms": execution.cpu_ms,
        "memory_kb": execution.max_memory_kb,
        "limits": execution.limits,
        "created_at": isoformat_z(execution.created_at),
        "completed_at": isoformat_z(execution.completed_at) if execution.completed_at else None,
    }
