"""`/readyz`'s LLM line: reported, never a reason to be unready."""

from __future__ import annotations

import socket

from tests.fixtures.model_servers import running_model_server
from vivavoce.config import Settings
from vivavoce.interviewer import providers


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_readiness_reports_a_reachable_and_an_unreachable_provider() -> None:
    async with running_model_server("vllm") as server:
        up = Settings(env="test", llm_base_url=server.api_url, llm_model="test-model")
        state, detail = await providers.readiness(up, now=1000.0)
        assert state == "ok" and "reachable" in detail
    down = Settings(env="test", llm_base_url=f"http://127.0.0.1:{_closed_port()}/v1")
    state, detail = await providers.readiness(down, now=1000.0)
    assert state == "unreachable" and "connection failed" in detail
    # reused within READINESS_SECONDS, asked again after
    assert await providers.readiness(down, now=1010.0) == (state, detail)
