"""The providers against local servers that behave like llama.cpp, Ollama, vLLM, OpenAI and
LM Studio (tests/fixtures/model_servers.py): discovery, judging, bounded voice turns."""

from __future__ import annotations

import pytest

from tests.fixtures.model_servers import running_model_server
from vivavoce.interviewer.engine import Greet, judge_request
from vivavoce.interviewer.judge import AnswerKind
from vivavoce.interviewer.plan import Dimension, InterviewPlan, PlannedQuestion
from vivavoce.interviewer.providers import LLMJudge, LLMVoice, UnusableReply
from vivavoce.interviewer.providers.endpoint import EndpointConfig, endpoint_for
from vivavoce.interviewer.providers.openai_compatible import make_client
from vivavoce.interviewer.providers.profiles import StructuredMode
from vivavoce.interviewer.turns import MoveKind, Turn
from vivavoce.interviewer.voice import VoiceContext

QUESTION = PlannedQuestion(
    id="q1", text="Tell me about a system you designed.", dimension_ids=("design",)
)
PLAN = InterviewPlan(
    role="Backend engineer",
    persona="",
    questions=(QUESTION,),
    dimensions=(Dimension(id="design", name="System design", description="", weight=1.0),),
    duration_seconds=600,
)
TRANSCRIPT = [
    Turn(0, "ai", "Hello, I'm an AI interviewer.", 0, 1, move=MoveKind.GREET),
    Turn(1, "participant", "Ready.", 2, 3),
    Turn(2, "ai", QUESTION.text, 4, 5, move=MoveKind.ASK, question_id="q1"),
    Turn(3, "participant", "I built an order pipeline with an outbox.", 6, 7),
]


@pytest.mark.parametrize(
    ("profile", "server", "mode"),
    [
        ("llamacpp", "auto", StructuredMode.JSON_OBJECT_SCHEMA),
        ("ollama", "auto", StructuredMode.JSON_SCHEMA),
        ("vllm", "auto", StructuredMode.JSON_SCHEMA),
        ("lmstudio", "auto", StructuredMode.JSON_SCHEMA),
        ("openai", "openai", StructuredMode.JSON_SCHEMA),  # 127.0.0.1: named by the setting
    ],
)
async def test_discovery_picks_the_best_mode_and_the_judge_works_first_time(
    profile: str, server: str, mode: StructuredMode
) -> None:
    async with running_model_server(profile) as fake:
        client = make_client(fake.api_url, "k", timeout=5, max_retries=1)
        config = EndpointConfig(server=server)
        judge = LLMJudge(client, "test-model", config=config)
        verdict = await judge.judge(judge_request(PLAN, TRANSCRIPT))
        assert verdict.kind is AnswerKind.ANSWER
        endpoint = endpoint_for(client, "test-model", config)
        assert endpoint.mode is mode
        assert endpoint.discovery is not None and endpoint.discovery.profile.name == profile
        [judged] = fake.of_kind("judge")  # no failing request before it
        assert judged["max_tokens" if profile != "openai" else "max_completion_tokens"] > 0


async def test_llamacpp_json_schema_500_costs_one_probe_and_no_retries() -> None:
    async with running_model_server("llamacpp") as fake:
        client = make_client(fake.api_url, "k", timeout=5, max_retries=3)
        await LLMJudge(client, "test-model").judge(judge_request(PLAN, TRANSCRIPT))
        types = [r.get("response_format", {}).get("type") for r in fake.of_kind("probe")]
        assert types == ["json_object"]  # the llama.cpp profile tries what it takes first
        endpoint = endpoint_for(client, "test-model", None)
        assert endpoint.gate.limit == 1 and endpoint.context_tokens == 4096


async def test_a_voice_turn_is_bounded_cleaned_and_a_runaway_is_unusable() -> None:
    async with running_model_server("llamacpp") as fake:
        fake.streams = ["<start_of_turn>model\nHello, I'm an AI interviewer. Ready?<end_of_turn>"]
        voice = LLMVoice(make_client(fake.api_url, "k", timeout=5, max_retries=0), "test-model")
        words = "".join([c async for c in voice.word(Greet(), VoiceContext(PLAN, ()))])
        assert words.strip() == "Hello, I'm an AI interviewer. Ready?"
        assert fake.of_kind("voice")[0]["max_tokens"] == 220
        fake.ramble = True
        with pytest.raises(UnusableReply) as caught:
            async for _ in voice.word(Greet(), VoiceContext(PLAN, ())):
                pass
        assert caught.value.reason == "cut_short"


async def test_a_long_transcript_is_trimmed_to_the_context_window() -> None:
    long_turns = [
        Turn(i, "participant" if i % 2 else "ai", f"turn {i} " + "words " * 250, i, i + 1)
        for i in range(6)
    ]
    async with running_model_server("vllm", context_tokens=2048) as fake:
        voice = LLMVoice(make_client(fake.api_url, "k", timeout=5, max_retries=0), "test-model")
        async for _ in voice.word(Greet(), VoiceContext(PLAN, long_turns)):
            pass
        [sent] = fake.of_kind("voice")  # it fitted: no context-overflow 400
        user = sent["messages"][1]["content"]
        assert "turn 5 " in user and "turn 4 " in user and "turn 0 " not in user
