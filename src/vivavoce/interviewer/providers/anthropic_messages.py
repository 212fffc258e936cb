"""The interviewer on Anthropic's Messages API, through the official `anthropic` SDK (the
optional extra `vivavoce[anthropic]`; this module is imported only when
`VIVAVOCE_LLM_PROVIDER=anthropic`).

Same protocol and same prompts as the OpenAI-compatible provider (`openai_compatible`): the
rules and the task in the system prompt, everything the candidate said in the user message's
delimited data block. `AnthropicVoice` streams the reply's text deltas; `AnthropicJudge` forces
one tool call whose input schema is `JUDGEMENT_JSON_SCHEMA` (Anthropic's way to structured
output), validates it, asks for one repair through a `tool_result` marked as an error, and
falls back to the offline judge. The SDK retries connection errors, timeouts, 408/409/429 and
5xx (including 529 overloaded) with backoff; a stream that breaks after it has begun raises
`StreamInterrupted` and the live room asks again.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx
from anthropic import AsyncAnthropic

from vivavoce.interviewer.engine import Move
from vivavoce.interviewer.judge import (
    JUDGEMENT_JSON_SCHEMA,
    AnswerJudgement,
    Judge,
    JudgementReply,
    JudgeRequest,
)
from vivavoce.interviewer.offline_judge import OfflineJudge
from vivavoce.interviewer.plan import InterviewPlan, PlannedQuestion
from vivavoce.interviewer.providers.failures import ProviderError, from_parts
from vivavoce.interviewer.providers.openai_compatible import (
    VOICE_MAX_TOKENS,
    StreamInterrupted,
    judge_messages,
    model_answer_messages,
    voice_messages,
)
from vivavoce.interviewer.voice import VoiceContext
from vivavoce.kit.llm_contract import validate_reply

log = logging.getLogger(__name__)

DEFAULT_MODEL = "claude-sonnet-4-5"
JUDGE_MAX_TOKENS = 600
ANSWER_MAX_TOKENS = 400
JUDGEMENT_TOOL = "record_judgement"


def make_client(
    base_url: str | None, api_key: str | None, *, timeout: float = 30.0, max_retries: int = 3
) -> AsyncAnthropic:
    """`base_url` None is Anthropic's own API; a gateway or a test server otherwise."""
    return AsyncAnthropic(
        base_url=base_url,
        api_key=api_key or "not-needed",
        timeout=timeout,
        max_retries=max_retries,
    )


def unavailable(error: anthropic.AnthropicError) -> ProviderError:
    """The typed error (`failures`) for an `anthropic` SDK error, read by its content."""
    if isinstance(error, anthropic.APIStatusError):
        body = error.body
        inner = body.get("error", body) if isinstance(body, dict) else None
        said = inner.get("message") if isinstance(inner, dict) else None
        return from_parts(error.status_code, str(said or error.message))
    if isinstance(error, anthropic.APITimeoutError):
        return from_parts(None, "", transport="timed out")
    if isinstance(error, anthropic.APIConnectionError):
        return from_parts(None, "", transport="connection failed")
    return from_parts(None, "", transport=type(error).__name__)


def _split(messages: list[dict[str, str]]) -> tuple[str, list[dict[str, Any]]]:
    """Chat messages with a leading system message → Anthropic's `system` and `messages`."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest: list[dict[str, Any]] = [
        {"role": m["role"], "content": m["content"]} for m in messages if m["role"] != "system"
    ]
    return system, rest


class AnthropicVoice:
    """The `Voice` on the Messages API, streamed as the text deltas arrive."""

    def __init__(self, client: AsyncAnthropic, model: str) -> None:
        self.client = client
        self.model = model

    async def word(self, move: Move, context: VoiceContext) -> AsyncIterator[str]:
        system, messages = _split(voice_messages(move, context))
        chat: Any = messages
        try:  # the SDK retries a request that fails to start
            stream = await self.client.messages.create(
                model=self.model,
                max_tokens=VOICE_MAX_TOKENS[move.kind],
                system=system,
                messages=chat,
                stream=True,
            )
        except anthropic.AnthropicError as error:
            raise unavailable(error) from error
        try:  # a stream that breaks once begun (an `error` event, a dropped connection)
            async for event in stream:
                if (
                    event.type == "content_block_delta"
                    and event.delta.type == "text_delta"
                    and event.delta.text
                ):
                    yield event.delta.text
        except (anthropic.AnthropicError, httpx.HTTPError) as error:
            detail = (
                str(unavailable(error))
                if isinstance(error, anthropic.AnthropicError)
                else type(error).__name__
            )
            raise StreamInterrupted(f"the LLM provider's stream broke off ({detail})") from error


class AnthropicJudge:
    """The `Judge` on the Messages API: one forced tool call carrying the judgement, checked
    against the schema, one repair, else the offline judge's verdict. Never raises."""

    def __init__(
        self, client: AsyncAnthropic, model: str, *, fallback: Judge | None = None
    ) -> None:
        self.client = client
        self.model = model
        self.fallback = fallback or OfflineJudge()

    async def judge(self, request: JudgeRequest) -> AnswerJudgement:
        try:
            data = await self._ask(request)
        except anthropic.AnthropicError as error:
            log.warning("LLM judge unavailable, using the offline judge: %s", unavailable(error))
            data = None
        if data is None:
            return await self.fallback.judge(request)
        return AnswerJudgement.from_dict(data, turn_index=request.answer.index)

    async def _call(self, system: str, messages: list[dict[str, Any]]) -> Any:
        tools: Any = [
            {
                "name": JUDGEMENT_TOOL,
                "description": "Record the classification of the candidate turn.",
                "input_schema": JUDGEMENT_JSON_SCHEMA,
            }
        ]
        chat: Any = messages
        return await self.client.messages.create(
            model=self.model,
            max_tokens=JUDGE_MAX_TOKENS,
            system=system,
            messages=chat,
            tools=tools,
            tool_choice={"type": "tool", "name": JUDGEMENT_TOOL},
        )

    @staticmethod
    def _tool_use(reply: Any) -> Any:
        return next(
            (b for b in reply.content if b.type == "tool_use" and b.name == JUDGEMENT_TOOL), None
        )

    async def _ask(self, request: JudgeRequest) -> dict[str, Any] | None:
        system, messages = _split(judge_messages(request))
        reply = await self._call(system, messages)
        block = self._tool_use(reply)
        if block is None:
            log.warning("LLM judge made no tool call; using the offline judge")
            return None
        judgement, problem = validate_reply(JudgementReply, block.input)
        if judgement is not None:
            return judgement.model_dump(mode="json")
        repair = [
            *messages,
            {"role": "assistant", "content": [b.model_dump() for b in reply.content]},
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": block.id,
                        "is_error": True,
                        "content": f"That judgement was not usable: {problem}. Call "
                        f"{JUDGEMENT_TOOL} again with input that matches its schema.",
                    }
                ],
            },
        ]
        block = self._tool_use(await self._call(system, repair))
        judgement, problem = (
            (None, "no tool call") if block is None else validate_reply(JudgementReply, block.input)
        )
        if judgement is None:
            log.warning("LLM judge gave no usable judgement (%s); using the offline judge", problem)
            return None
        return judgement.model_dump(mode="json")


class AnthropicModelAnswerer:
    """`ModelAnswerer` on the Messages API: one plain reply per question."""

    def __init__(self, client: AsyncAnthropic, model: str) -> None:
        self.client = client
        self.model = model

    async def model_answer(self, plan: InterviewPlan, question: PlannedQuestion) -> str | None:
        system, messages = _split(model_answer_messages(plan, question))
        chat: Any = messages
        try:
            reply = await self.client.messages.create(
                model=self.model, max_tokens=ANSWER_MAX_TOKENS, system=system, messages=chat
            )
        except anthropic.AnthropicError as error:
            log.info("no model answer for %s: %s", question.id, unavailable(error))
            return None
        text = "".join(b.text for b in reply.content if b.type == "text").strip()
        return text or None


async def check(client: AsyncAnthropic, model: str) -> str:
    """For `vivavoce doctor`: list the models (raises `anthropic.AnthropicError`)."""
    models = [m.id async for m in client.models.list()]
    return "model listed" if model in models else "model not listed by the endpoint"
