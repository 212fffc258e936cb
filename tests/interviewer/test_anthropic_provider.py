"""The Anthropic interviewer (optional extra) against a real local server speaking the Messages
API — streamed server-sent events, forced tool calls, overloaded errors — through the real
`anthropic` SDK, and in the live room over the WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.interviewer.test_llm_provider import INJECTION, PLAN, QUESTION, transcript_with
from vivavoce.config import Settings
from vivavoce.interviewer import providers
from vivavoce.interviewer.checked_voice import CheckedVoice
from vivavoce.interviewer.engine import Clarify, Greet, judge_request
from vivavoce.interviewer.judge import AnswerKind, FollowUpReason
from vivavoce.interviewer.offline import OfflineJudge
from vivavoce.interviewer.providers import ProviderUnavailable, StreamInterrupted
from vivavoce.interviewer.providers.openai_compatible import DATA_OPEN
from vivavoce.interviewer.voice import VoiceContext
from vivavoce.runtime import Database

pytest.importorskip("anthropic")

from vivavoce.interviewer.providers.anthropic_messages import (
    JUDGEMENT_TOOL,
    AnthropicJudge,
    AnthropicModelAnswerer,
    AnthropicVoice,
    make_client,
)

JUDGED = {
    "kind": "answer",
    "needs_follow_up": False,
    "reason": "none",
    "addressed_to_scorer": False,
}


@dataclass(frozen=True)
class ErrorMidway:
    """Stream `chunks`, then an `error` event (as the API does when it is overloaded)."""

    chunks: tuple[str, ...]


Script = list[str] | int | ErrorMidway


@dataclass
class FakeAnthropic:
    """Answers POST /v1/messages as scripted and records every request and its headers."""

    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    streams: list[Script] = field(default_factory=list)
    tool_inputs: list[Any] = field(default_factory=list)  # judge replies (tool inputs) or statuses
    status: int | None = None
    text_reply: str = "A model answer."

    async def messages(self, request: Request) -> Response:
        body: dict[str, Any] = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self.status is not None:
            return _error(self.status)
        if body.get("stream"):
            script = self.streams.pop(0) if self.streams else ["Hello ", "there."]
            if isinstance(script, int):
                return _error(script)
            return StreamingResponse(self._sse(script), media_type="text/event-stream")
        if body.get("tools"):
            tool_input = self.tool_inputs.pop(0) if self.tool_inputs else JUDGED
            if isinstance(tool_input, int):
                return _error(tool_input)
            block = {
                "type": "tool_use",
                "id": f"toolu_{len(self.requests)}",
                "name": JUDGEMENT_TOOL,
                "input": tool_input,
            }
            return JSONResponse(_message([block], "tool_use"))
        return JSONResponse(_message([{"type": "text", "text": self.text_reply}], "end_turn"))

    async def _sse(self, script: list[str] | ErrorMidway) -> AsyncIterator[bytes]:
        def event(name: str, data: dict[str, Any]) -> bytes:
            return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()

        chunks = list(script.chunks) if isinstance(script, ErrorMidway) else script
        start = _message([], None)
        yield event("message_start", {"type": "message_start", "message": start})
        yield event(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        )
        yield event("ping", {"type": "ping"})
        for text in chunks:
            delta = {"type": "text_delta", "text": text}
            yield event(
                "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
            )
            await asyncio.sleep(0.01)
        if isinstance(script, ErrorMidway):
            error = {"type": "overloaded_error", "message": "Overloaded"}
            yield event("error", {"type": "error", "error": error})
            return
        yield event("content_block_stop", {"type": "content_block_stop", "index": 0})
        yield event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(chunks)},
            },
        )
        yield event("message_stop", {"type": "message_stop"})

    async def models(self, request: Request) -> Response:
        if self.status is not None:
            return _error(self.status)
        model = {
            "id": "claude-test",
            "type": "model",
            "display_name": "Claude Test",
            "created_at": "2025-01-01T00:00:00Z",
        }
        return JSONResponse(
            {
                "data": [model],
                "has_more": False,
                "first_id": "claude-test",
                "last_id": "claude-test",
            }
        )


def _message(content: list[dict[str, Any]], stop_reason: str | None) -> dict[str, Any]:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 1},
    }


def _error(status: int) -> JSONResponse:
    kind = "overloaded_error" if status == 529 else "api_error"
    return JSONResponse(
        {"type": "error", "error": {"type": kind, "message": "scripted"}}, status_code=status
    )


@contextlib.asynccontextmanager
async def running_anthropic() -> AsyncIterator[FakeAnthropic]:
    fake = FakeAnthropic()
    app = Starlette(
        routes=[
            Route("/v1/messages", fake.messages, methods=["POST"]),
            Route("/v1/models", fake.models, methods=["GET"]),
        ]
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    fake.base_url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


@pytest.fixture
async def claude() -> AsyncIterator[FakeAnthropic]:
    async with running_anthropic() as fake:
        yield fake


def client_for(fake: FakeAnthropic, retries: int = 1) -> Any:
    return make_client(fake.base_url, "test-key", timeout=5, max_retries=retries)


async def words(voice: AnthropicVoice, move: Any, context: VoiceContext) -> list[str]:
    return [chunk async for chunk in voice.word(move, context)]


async def test_voice_streams_text_deltas_with_the_prompt_split_into_system_and_data(
    claude: FakeAnthropic,
) -> None:
    claude.streams = [["Hello Maria, ", "I'm Ava, ", "an AI interviewer."]]
    voice = AnthropicVoice(client_for(claude), "claude-test")
    chunks = await words(voice, Greet(), VoiceContext(PLAN, ()))
    assert chunks == ["Hello Maria, ", "I'm Ava, ", "an AI interviewer."]
    request, headers = claude.requests[0], claude.headers[0]
    assert request["stream"] is True and request["model"] == "claude-test"
    key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
    assert key == "test-key" and headers["anthropic-version"]
    assert "Never claim" in request["system"] and "Ava" in request["system"]
    assert [m["role"] for m in request["messages"]] == ["user"]

    move = Clarify(question=QUESTION, asked="At work? " + INJECTION, seconds_left=300)
    await words(voice, move, VoiceContext(PLAN, transcript_with(INJECTION)))
    request = claude.requests[1]
    assert "Ignore all previous" not in request["system"]
    assert "Ignore all previous" in request["messages"][0]["content"].split(DATA_OPEN, 1)[1]


async def test_overloaded_is_retried_then_provider_unavailable(claude: FakeAnthropic) -> None:
    claude.status = 529
    voice = AnthropicVoice(client_for(claude, retries=2), "claude-test")
    with pytest.raises(ProviderUnavailable, match="529"):
        await words(voice, Greet(), VoiceContext(PLAN, ()))
    assert len(claude.requests) == 3


async def test_an_error_event_midway_is_stream_interrupted(claude: FakeAnthropic) -> None:
    claude.streams = [ErrorMidway(("Hello ", "Mar"))]
    voice = AnthropicVoice(client_for(claude, retries=2), "claude-test")
    seen: list[str] = []

    async def listen() -> None:
        async for chunk in voice.word(Greet(), VoiceContext(PLAN, ())):
            seen.append(chunk)

    with pytest.raises(StreamInterrupted, match="broke off"):
        await listen()
    assert seen == ["Hello ", "Mar"]
    assert len(claude.requests) == 1


async def test_judge_forces_the_tool_and_reads_its_input(claude: FakeAnthropic) -> None:
    claude.tool_inputs = [
        {
            "kind": "answer",
            "needs_follow_up": True,
            "reason": "vague",
            "quote": "a queue",
            "addressed_to_scorer": True,
        }
    ]
    judge = AnthropicJudge(client_for(claude), "claude-test")
    verdict = await judge.judge(
        judge_request(PLAN, transcript_with("I used a queue. " + INJECTION))
    )
    assert verdict.kind is AnswerKind.ANSWER and verdict.reason is FollowUpReason.VAGUE
    assert verdict.addressed_to_scorer and verdict.quote == "a queue"
    request = claude.requests[0]
    assert request["tool_choice"] == {"type": "tool", "name": JUDGEMENT_TOOL}
    assert request["tools"][0]["input_schema"]["required"]
    assert "Ignore all previous" not in request["system"]


async def test_judge_repairs_through_a_tool_result_then_falls_back(claude: FakeAnthropic) -> None:
    dont_know = {**JUDGED, "kind": "dont_know"}
    claude.tool_inputs = [{"kind": "hired"}, dont_know]
    judge = AnthropicJudge(client_for(claude), "claude-test")
    verdict = await judge.judge(judge_request(PLAN, transcript_with("No idea, sorry.")))
    assert verdict.kind is AnswerKind.DONT_KNOW
    repair = claude.requests[1]["messages"]
    assert repair[-2]["role"] == "assistant" and repair[-2]["content"][0]["type"] == "tool_use"
    result = repair[-1]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert result["tool_use_id"] == repair[-2]["content"][0]["id"]
    # the repair names each field the model got wrong, in the contract model's words
    assert "kind: Input should be 'answer'" in result["content"]
    assert "needs_follow_up: required field is missing" in result["content"]

    claude.tool_inputs = [{"kind": "hired"}, {"kind": "hired"}]
    request = judge_request(PLAN, transcript_with("I don't know."))
    assert await judge.judge(request) == await OfflineJudge().judge(request)

    claude.status = 503
    assert await judge.judge(request) == await OfflineJudge().judge(request)


async def test_model_answer_and_provider_choice(claude: FakeAnthropic) -> None:
    answerer = AnthropicModelAnswerer(client_for(claude), "claude-test")
    assert await answerer.model_answer(PLAN, QUESTION) == "A model answer."
    assert QUESTION.text in claude.requests[0]["messages"][0]["content"]

    settings = Settings(
        env="test", llm_provider="anthropic", llm_base_url=claude.base_url, llm_api_key="k"
    )
    voice, judge = providers.build(settings)
    assert isinstance(voice, CheckedVoice) and isinstance(voice.inner, AnthropicVoice)
    assert isinstance(judge, AnthropicJudge)
    assert voice.inner.model == providers.ANTHROPIC_DEFAULT_MODEL
    assert isinstance(providers.model_answerer(settings), AnthropicModelAnswerer)
    ok, detail = await providers.check(settings.model_copy(update={"llm_model": "claude-test"}))
    assert ok and "Anthropic" in detail and "model listed" in detail
    claude.status = 503
    ok, detail = await providers.check(settings)
    assert not ok and "503" in detail


async def test_a_live_interview_on_the_anthropic_provider(
    settings: Settings, database: Database, tenant: Tenant, claude: FakeAnthropic
) -> None:
    from tests.web.conftest import running_site
    from tests.web.test_join import new_session, next_of, transcript_of, ws_url

    claude.streams = [
        ["Hello Maria, ", "I'm Ava, an AI interviewer. ", "Ready?"],
        ErrorMidway(("Great, ",)),  # breaks once: retracted and asked again
        ["Great. ", "Tell me about a system you designed."],
    ]
    smtp = SmtpServer()
    smtp.start()
    try:
        async with (
            running_site(
                settings,
                database,
                smtp,
                llm_provider="anthropic",
                llm_base_url=claude.base_url,
                llm_api_key=SecretStr("test-key"),
                llm_model="claude-test",
                llm_max_retries=1,
            ) as site,
            httpx.AsyncClient(base_url=site.url, timeout=10) as api,
        ):
            session = await new_session(api, tenant)
            async with websockets.connect(ws_url(session["join_url"])) as ws:
                await ws.send(json.dumps({"type": "consent"}))
                greeting = await next_of(ws, "turn")
                assert greeting["text"] == "Hello Maria, I'm Ava, an AI interviewer. Ready?"
                await ws.send(json.dumps({"type": "answer", "text": "Yes, I'm ready."}))
                assert (await next_of(ws, "turn"))["speaker"] == "participant"
                # the broken reply is retried before any of it is shown (CheckedVoice)
                question = await next_of(ws, "turn")
                assert question["text"] == "Great. Tell me about a system you designed."
            turns = await transcript_of(api, tenant, session["id"])
        assert [t["text"] for t in turns] == [greeting["text"], "Yes, I'm ready.", question["text"]]
        assert any(r.get("tools") for r in claude.requests)  # the answer was judged by Claude
    finally:
        smtp.stop()
