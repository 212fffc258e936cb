"""The LLM judge against a real local OpenAI-compatible server (127.0.0.1) through the real
`openai` SDK: structured output, JSON-mode fallback, repair, sampling, citations, outages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.fixtures.model_servers import ModelServer
from tests.interviewer.test_llm_provider import closed_port, running_llm
from tests.scoring.samples import EXPERT, INJECTION, RUBRIC, STRONG_INTERVIEW, interview_of
from vivavoce.config import Settings
from vivavoce.interviewer.providers import ProviderUnavailable
from vivavoce.interviewer.providers.openai_compatible import DATA_CLOSE, DATA_OPEN, make_client
from vivavoce.scoring import service
from vivavoce.scoring.llm import (
    SCORECARD_JSON_SCHEMA,
    JudgeFailed,
    LLMScorer,
    parse,
    scorecard_schema,
    system_prompt,
    user_prompt,
)
from vivavoce.scoring.rubric import GENERIC_ANCHORS
from vivavoce.scoring.scorecard import assemble

TRANSCRIPT = interview_of(STRONG_INTERVIEW)  # three answers: high confidence, scores kept


def reply(
    design: float = 8.0,
    communication: float = 7.0,
    quote: str = "partitioned by device id so ordering holds per device",
    turn: int = 3,
    flagged: list[int] | None = None,
) -> str:
    return json.dumps(
        {
            "dimensions": [
                {
                    "dimension_id": "system_design",
                    "score": design,
                    "feedback": "Clear partitioning and back-pressure reasoning.",
                    "citations": [{"turn": turn, "quote": quote}],
                },
                {
                    "dimension_id": "communication",
                    "score": communication,
                    "feedback": "Structured and concise.",
                    "citations": [],
                },
            ],
            "strengths": "Designs for bursts with a queue and explains the lag trade-off.",
            "probes": "Probe consistency guarantees for reads during a backlog.",
            "addressed_to_scorer_turns": flagged or [],
        }
    )


@pytest.fixture
async def llm() -> AsyncIterator[ModelServer]:
    async with running_llm() as fake:
        fake.default_reply = reply()
        yield fake


def judge(fake: ModelServer, samples: int = 1, retries: int = 0) -> LLMScorer:
    client = make_client(fake.api_url, "k", timeout=5, max_retries=retries)
    return LLMScorer(client, "judge-model", samples=samples, max_spread=2.0)


async def test_structured_output_by_json_schema_and_transcript_in_a_data_block(
    llm: ModelServer,
) -> None:
    card = assemble(RUBRIC, TRANSCRIPT, await judge(llm).score(RUBRIC, TRANSCRIPT))
    assert str(card.score) == "7.6"  # 0.6*8 + 0.4*7, computed by code
    assert card.scorer == "llm" and card.model == "judge-model"
    assert card.breakdown[0].citations[0].turn == 3
    assert card.needs_human_review is False
    assert "Probe consistency" in card.ai_feedback
    request = llm.chats[0]
    assert request["response_format"]["type"] == "json_schema"
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert EXPERT not in system  # candidate words never reach the system prompt
    block = user[user.index(DATA_OPEN) : user.index(DATA_CLOSE)]
    assert "TURN 3 CANDIDATE" in block and EXPERT in block


async def test_invalid_json_then_valid_after_one_repair(llm: ModelServer) -> None:
    llm.replies = ["this is not json {", reply(design=9.0)]
    output = await judge(llm).score(RUBRIC, TRANSCRIPT)
    assert output.judgements[0].score == 9.0
    assert len(llm.chats) == 2
    assert "not usable" in llm.chats[1]["messages"][-1]["content"]


async def test_json_mode_when_the_endpoint_refuses_a_schema(llm: ModelServer) -> None:
    llm.refuse_json_schema = True
    output = await judge(llm).score(RUBRIC, TRANSCRIPT)
    assert output.judgements[0].score == 8.0
    # the probe learnt json_schema is refused; the scorecard is asked for as a JSON object
    # with the schema, in one request
    assert [p["response_format"]["type"] for p in llm.of_kind("probe")] == [
        "json_schema",
        "json_object",
    ]
    [sent] = llm.chats
    assert sent["response_format"] == {"type": "json_object", "schema": scorecard_schema(RUBRIC)}
    ids = sent["response_format"]["schema"]["properties"]["dimensions"]["items"]["properties"]
    assert ids["dimension_id"]["enum"] == [d.id for d in RUBRIC.dimensions]
    assert SCORECARD_JSON_SCHEMA["properties"]["dimensions"]["items"]["properties"][
        "dimension_id"
    ] == {"type": "string"}  # the shared schema is left as it was


async def test_a_reply_missing_a_dimension_is_repaired(llm: ModelServer) -> None:
    partial = json.loads(reply())
    partial["dimensions"] = partial["dimensions"][:1]
    llm.replies = [json.dumps(partial), reply(communication=6.0)]
    output = await judge(llm).score(RUBRIC, TRANSCRIPT)
    assert output.judgements[1].score == 6.0
    assert "missing dimensions: communication" in llm.chats[1]["messages"][-1]["content"]


# the schema as the hand-written SCORECARD_JSON_SCHEMA was, before the pydantic contract
RECORDED_SCORECARD_SCHEMA = (
    '{"type": "object", "properties": {"dimensions": {"type": "array", "items": {"type": '
    '"object", "properties": {"dimension_id": {"type": "string"}, "score": {"type": "number", '
    '"minimum": 0, "maximum": 10}, "feedback": {"type": "string"}, "citations": {"type": '
    '"array", "items": {"type": "object", "properties": {"turn": {"type": "integer"}, "quote": '
    '{"type": "string"}}, "required": ["turn", "quote"], "additionalProperties": false}}}, '
    '"required": ["dimension_id", "score", "feedback", "citations"], "additionalProperties": '
    'false}}, "strengths": {"type": "string"}, "probes": {"type": "string"}, '
    '"addressed_to_scorer_turns": {"type": "array", "items": {"type": "integer"}}}, "required": '
    '["dimensions", "strengths", "probes", "addressed_to_scorer_turns"], '
    '"additionalProperties": false}'
)


def test_the_schema_from_the_model_is_the_one_sent_before_it() -> None:
    # byte for byte: the system prompt shows it, so the prompt did not change either
    assert json.dumps(SCORECARD_JSON_SCHEMA) == RECORDED_SCORECARD_SCHEMA


async def test_a_score_out_of_range_is_repaired_naming_the_field(llm: ModelServer) -> None:
    llm.replies = [reply(design=11), reply(design=9.0)]
    output = await judge(llm).score(RUBRIC, TRANSCRIPT)
    assert output.judgements[0].score == 9.0
    repair = llm.chats[1]["messages"][-1]["content"]
    assert "dimensions.0.score: Input should be less than or equal to 10" in repair


def test_a_reply_is_read_tolerantly_and_a_boolean_is_no_score() -> None:
    data = json.loads(reply())
    del data["strengths"], data["addressed_to_scorer_turns"]
    data["confidence"] = "high"  # a field the schema does not ask for is ignored
    card, problem = parse(json.dumps(data), RUBRIC)
    assert problem is None and card is not None
    assert (card.strengths, card.addressed_to_scorer_turns) == ("", [])
    data["dimensions"][0]["score"] = True
    assert parse(json.dumps(data), RUBRIC) == (
        None,
        "dimensions.0.score: Input should be a valid number",
    )
    data["dimensions"][0].update(score=5, dimension_id="charm")
    assert parse(json.dumps(data), RUBRIC) == (None, "unknown dimension_id 'charm'")


async def test_a_citation_not_in_the_transcript_is_dropped_and_flagged(llm: ModelServer) -> None:
    llm.default_reply = reply(quote="I migrated everything to Cassandra in a weekend")
    card = assemble(RUBRIC, TRANSCRIPT, await judge(llm).score(RUBRIC, TRANSCRIPT))
    assert card.breakdown[0].citations == ()
    assert card.needs_human_review is True
    assert any("could not be found" in r for r in card.review_reasons)


async def test_samples_take_the_median_and_a_wide_spread_needs_review(llm: ModelServer) -> None:
    llm.replies = [reply(design=3.0), reply(design=8.0), reply(design=9.0)]
    card = assemble(RUBRIC, TRANSCRIPT, await judge(llm, samples=3).score(RUBRIC, TRANSCRIPT))
    assert card.breakdown[0].score == 8.0
    assert len(llm.chats) == 3
    assert card.needs_human_review is True
    assert any("disagree on System Design" in r for r in card.review_reasons)


async def test_samples_that_agree_need_no_review(llm: ModelServer) -> None:
    llm.replies = [reply(design=7.5), reply(design=8.0), reply(design=8.5)]
    card = assemble(RUBRIC, TRANSCRIPT, await judge(llm, samples=3).score(RUBRIC, TRANSCRIPT))
    assert card.breakdown[0].score == 8.0
    assert card.needs_human_review is False


async def test_text_addressed_to_the_scorer_is_withheld_counted_and_never_raises(
    llm: ModelServer,
) -> None:
    transcript = interview_of((EXPERT + " " + INJECTION, *STRONG_INTERVIEW[1:]))
    llm.default_reply = reply(flagged=[3, 1, 42])  # 1 and 42 are not candidate answers to count
    card = assemble(RUBRIC, transcript, await judge(llm).score(RUBRIC, transcript))
    user = llm.chats[0]["messages"][1]["content"]
    assert INJECTION not in user and "[text addressed to the scorer removed]" in user
    assert card.manipulation_attempts == 2  # turn 3 (cut out here) and turn 1 (the judge's)
    assert card.needs_human_review is True
    assert str(card.score) == "7.6"  # the same as without it


async def test_provider_down_raises_provider_unavailable(llm: ModelServer) -> None:
    llm.status = 503
    with pytest.raises(ProviderUnavailable):
        await judge(llm, retries=1).score(RUBRIC, TRANSCRIPT)
    # the capability probe, never retried, found it down
    assert llm.requests == llm.of_kind("probe") and len(llm.requests) == 1
    closed = make_client(f"http://127.0.0.1:{closed_port()}/v1", "k", timeout=2, max_retries=0)
    with pytest.raises(ProviderUnavailable):
        await LLMScorer(closed, "m").score(RUBRIC, TRANSCRIPT)


async def test_garbage_from_every_sample_falls_back_to_the_offline_scorer(
    llm: ModelServer, settings: Settings
) -> None:
    llm.default_reply = "no"
    with pytest.raises(JudgeFailed):
        await judge(llm).score(RUBRIC, TRANSCRIPT)
    configured = settings.model_copy(
        update={"llm_base_url": llm.api_url, "scoring_scorer": "llm", "llm_max_retries": 0}
    )
    card = await service.evaluate(RUBRIC, TRANSCRIPT, configured)
    assert card.scorer == "offline"
    assert card.needs_human_review is True
    assert any("LLM judge gave no usable" in r for r in card.review_reasons)


async def test_llm_scorer_without_an_endpoint_scores_offline_and_says_so(
    settings: Settings,
) -> None:
    configured = settings.model_copy(update={"llm_base_url": None, "scoring_scorer": "llm"})
    card = await service.evaluate(RUBRIC, TRANSCRIPT, configured)
    assert card.scorer == "offline"
    assert any("not configured" in r for r in card.review_reasons)


def test_the_judge_places_scores_on_the_anchors_or_the_generic_scale() -> None:
    system = system_prompt(RUBRIC)
    design_anchor = RUBRIC.dimensions[0].anchors[-1][1]
    assert f"score 9: {design_anchor}" in system
    assert "Place each dimension on its anchors" in system
    assert "(no anchors of its own: use the generic scale)" in system  # communication
    assert all(text in system for _, text in GENERIC_ANCHORS)
    assert "textbook answer that does not answer the specific question" in system
    user = user_prompt(TRANSCRIPT)
    assert "INTERVIEWER (informs: system_design, communication)" in user
