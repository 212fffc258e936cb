from __future__ import annotations

import pytest

from vivavoce.coding.executor import CodeTest, ExecutionReport, Executor
from vivavoce.coding.limits import Limits
from vivavoce.coding.runtimes import Language
from vivavoce.coding.sandbox import Sandbox, SandboxConfig
from vivavoce.config import Settings


@pytest.fixture(scope="session")
def executor(settings: Settings) -> Executor:
    config = SandboxConfig.from_settings(settings)
    config.check()
    return Executor(Sandbox(config))


async def run(
    executor: Executor,
    source: str,
    tests: list[CodeTest],
    *,
    language: Language = Language.PYTHON,
    entry: str = "attack",
    limits: Limits | None = None,
) -> ExecutionReport:
    return await executor.execute(language, source, entry, tests, limits or Limits())
