"""A whole interview (engine, LLM voice, LLM judge) and an LLM-scored transcript against each
server profile's test double — and, with VIVAVOCE_REAL_LLM_URL set (`make test-llm-real`),
against a real model server."""

from __future__ import annotations

import os
import re

import pytest

from tests.fixtures.model_servers import running_model_server
from tests.interviewer.providers.test_model_servers import PLAN
from tests.scoring.samples import RUBRIC, one_answer
from vivavoce.config import Settings
from vivavoce.interviewer.checked_voice import CheckedVoice
from vivavoce.interviewer.engine import Close, InterviewClosed, Wait, ai_turn, decide, judge_request
from vivavoce.interviewer.judge import AnswerJudgement
from vivavoce.interviewer.providers import LLMJudge, LLMVoice
from vivavoce.interviewer.providers.openai_compatible import make_client
from vivavoce.interviewer.turns import Turn
from vivavoce.interviewer.voice import VoiceContext
from vivavoce.scoring.llm import LLMScorer
from vivavoce.scoring.service import evaluate

ANSWER = "I designed an order pipeline: PostgreSQL, an outbox table and Kafka workers."
REAL_URL = os.environ.get("VIVAVOCE_REAL_LLM_URL")
REAL_MODEL = os.environ.get("VIVAVOCE_REAL_LLM_MODEL", "gemma")


async def run_interview(url: str, model: str, voice: CheckedVoice | None = None) -> list[Turn]:
    """The interview the engine runs with the LLM voice — checked, as the live room words
    (`voice`, to read its counters) — and the LLM judge."""
    client = make_client(url, "k", timeout=120, max_retries=1)
    voice = voice or CheckedVoice(LLMVoice(client, model))
    judge = LLMJudge(client, model, deadline_seconds=60)
    turns: list[Turn] = []
    judgements: dict[int, AnswerJudgement] = {}
    clock = 0.0
    for _ in range(30):
        try:
            move = decide(PLAN, turns, clock, judgements)
        except InterviewClosed:
            break
        if isinstance(move, Wait):
            turns.append(Turn(len(turns), "participant", ANSWER, clock, clock + 1))
            judgements[len(turns) - 1] = await judge.judge(judge_request(PLAN, turns))
        else:
            text = "".join([c async for c in voice.word(move, VoiceContext(PLAN, turns))])
            turns.append(
                ai_turn(
                    move,
                    index=len(turns),
                    text=text.strip(),
                    started_at_s=clock,
                    ended_at_s=clock + 1,
                )
            )
            if isinstance(move, Close):
                break
        clock += 20
    return turns


def assert_clean(turns: list[Turn]) -> None:
    assert turns and turns[-1].is_ai
    for turn in turns:
        assert turn.text.strip()
        for leak in ("<<SYS>>", "[INST]", "<|im_start|>", "<start_of_turn>", "CANDIDATE_DATA"):
            assert leak not in turn.text
        assert not re.search(r"<[A-Za-z_/|!]", turn.text), turn.text  # no markup of any kind


@pytest.mark.parametrize("profile", ["llamacpp", "ollama", "vllm", "lmstudio"])
async def test_a_whole_interview_and_its_scoring_on_each_profile(profile: str) -> None:
    async with running_model_server(profile) as fake:
        turns = await run_interview(fake.api_url, "test-model")
        assert_clean(turns)
        assert any(QUESTION_TEXT in t.text for t in turns if t.is_ai)
        scorer = LLMScorer(make_client(fake.api_url, "k", timeout=5), "test-model", samples=1)
        output = await scorer.score(RUBRIC, one_answer(ANSWER))
        assert {j.dimension_id for j in output.judgements} == {d.id for d in RUBRIC.dimensions}
        assert fake.interrupted == 0  # never two requests at once on a one-request server


QUESTION_TEXT = PLAN.questions[0].text


@pytest.mark.skipif(REAL_URL is None, reason="set VIVAVOCE_REAL_LLM_URL (make test-llm-real)")
async def test_a_whole_interview_and_its_scoring_on_a_real_server() -> None:
    assert REAL_URL is not None
    client = make_client(REAL_URL, "k", timeout=120, max_retries=1)
    voice = CheckedVoice(LLMVoice(client, REAL_MODEL))
    turns = await run_interview(REAL_URL, REAL_MODEL, voice)
    assert_clean(turns)
    print(f"real server interview: {len(turns)} turns, {voice.rejected} replies rejected, ")
    print(f"{voice.fell_back} worded offline: " + " | ".join(t.text[:80] for t in turns))
    # the scoring job's own path: the LLM's scorecard, or — a small model's reply that stays
    # unusable, a refusal — the offline scorer's, saying which; never an exception or a wait
    settings = Settings(
        env="test",
        scoring_scorer="llm",
        scoring_llm_samples=1,
        llm_base_url=REAL_URL,
        llm_model=REAL_MODEL,
        llm_timeout_seconds=600,
        llm_max_retries=1,
    )
    card = await evaluate(RUBRIC, one_answer(ANSWER), settings)
    assert {d.dimension_id for d in card.breakdown} == {d.id for d in RUBRIC.dimensions}
    fell_back = [r for r in card.review_reasons if "offline scorer scored it" in r]
    assert card.scorer == "llm" or fell_back
    assert not any("unreachable" in r for r in card.review_reasons)  # the server was up
    print(f"real server scorecard: scorer={card.scorer}, reasons={card.review_reasons}")
