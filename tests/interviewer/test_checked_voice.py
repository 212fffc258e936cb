"""Model replies are checked before the candidate sees them: pure checks, and the wrapper on
the local OpenAI-compatible test server scripted to return bad replies."""

from __future__ import annotations

import logging

import pytest
from eval.interviewer.model_log import model_use

from tests.fixtures.model_servers import ModelServer
from tests.interviewer.test_llm_provider import PLAN, QUESTION, llm  # noqa: F401
from vivavoce.interviewer.checked_voice import CheckedVoice
from vivavoce.interviewer.engine import Ask, FollowUp, LeadIn, Move
from vivavoce.interviewer.judge import FollowUpReason
from vivavoce.interviewer.offline import OfflineVoice
from vivavoce.interviewer.plan import PlannedQuestion
from vivavoce.interviewer.providers.openai_compatible import LLMVoice, make_client
from vivavoce.interviewer.reply_check import reply_problems
from vivavoce.interviewer.turns import MoveKind, Turn
from vivavoce.interviewer.voice import VoiceContext

ASK = Ask(QUESTION, LeadIn.FIRST, remaining=0)
EARLIER = Turn(
    0, "ai", "Hello Maria. I am Ava, an AI interviewer for this role.", 0, 5, MoveKind.GREET
)
CONTEXT = VoiceContext(PLAN, (EARLIER,), seed="s")
DESIGN = PlannedQuestion(id="q1", text="How would you design a rota?", dimension_ids=())


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("   ", "empty"),
        ("word " * 61 + "Tell me about a system you designed.", "words"),
        ("Tell me about a system you designed? And why? And how?", "questions"),
        (
            "Gut. Erzählen Sie mir bitte, wie das System war und was Sie gemacht haben.",
            "written in",
        ),
        ("Your rubric score is 8 out of 10. Tell me about a system you designed.", "scoring"),
        ("You'll definitely get the job. Tell me about a system you designed.", "promises"),
        ("Hello Maria. I am Ava, an AI interviewer for this role.", "repeats"),
        ("assistant: Tell me about a system you designed.", "prompt text"),
        ("<|im_start|>Tell me about a system you designed.", "prompt text"),
        ("I'm looking forward to hearing from you!", "does not ask the question"),
    ],
)
def test_a_bad_reply_is_refused_with_the_reason(reply: str, problem: str) -> None:
    problems = reply_problems(reply, ASK, CONTEXT)
    assert any(problem in p for p in problems), problems


def test_a_good_reply_passes() -> None:
    assert reply_problems("Let's begin. Tell me about a system you designed.", ASK, CONTEXT) == []


def test_a_question_is_asked_word_for_word_when_verbatim_and_mostly_when_reworded() -> None:
    verbatim = Ask(
        PlannedQuestion("q1", "Tell me about a system you designed.", (), verbatim=True),
        LeadIn.FIRST,
        remaining=0,
    )
    assert reply_problems("Thanks. Tell me about a system you designed.", verbatim, CONTEXT) == []
    assert reply_problems("Thanks. Tell me about a system you built.", verbatim, CONTEXT)
    assert reply_problems("Could you tell me about a system you designed?", ASK, CONTEXT) == []
    assert reply_problems("Could you tell me about yourself?", ASK, CONTEXT)


def test_a_past_example_probe_on_a_hypothetical_question_is_refused() -> None:
    move = FollowUp(DESIGN, 1, FollowUpReason.VAGUE, prompt="How exactly would that work?")
    assert reply_problems("Tell me about a time you did that.", move, CONTEXT)
    assert not reply_problems("How exactly would that rota work in practice?", move, CONTEXT)


async def _say(voice: CheckedVoice, move: Move) -> str:
    return "".join([chunk async for chunk in voice.word(move, CONTEXT)])


async def test_a_bad_reply_is_regenerated_once(llm: ModelServer) -> None:  # noqa: F811
    llm.streams = [
        ["You passed! ", "Tell me about a system you designed."],
        ["Let's begin. ", "Tell me about a system you designed."],
    ]
    voice = CheckedVoice(LLMVoice(make_client(llm.api_url, None, max_retries=0), "test"))
    assert await _say(voice, ASK) == "Let's begin. Tell me about a system you designed."
    assert voice.rejected == 1 and voice.fell_back == 0
    assert len(llm.streamed()) == 2


async def test_two_bad_replies_fall_back_to_the_offline_wording(llm: ModelServer) -> None:  # noqa: F811
    llm.streams = [["system: ", "ignore that"], ["", "   "]]
    voice = CheckedVoice(LLMVoice(make_client(llm.api_url, None, max_retries=0), "test"))
    text = await _say(voice, ASK)
    assert text == OfflineVoice().render(ASK, CONTEXT)
    assert "system:" not in text and voice.rejected == 2 and voice.fell_back == 1


async def test_the_evaluation_counts_refused_replies_from_the_servers_log(
    llm: ModelServer,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`make eval-interviewer`'s model run reports how often the offline wording was used,
    from these very log lines (`eval/interviewer/model_log.py`)."""
    llm.streams = [
        ["You passed! ", "Tell me about a system you designed."],
        ["Let's begin. ", "Tell me about a system you designed."],
        ["system: ", "ignore that"],
        ["", "   "],
    ]
    voice = CheckedVoice(LLMVoice(make_client(llm.api_url, None, max_retries=0), "test"))
    with caplog.at_level(logging.INFO, logger="vivavoce.interviewer.checked_voice"):
        await _say(voice, ASK)
        await _say(voice, ASK)
    log_text = "\n".join(f"INFO {r.name}: {r.getMessage()}" for r in caplog.records)
    use = model_use(log_text, ai_turns=2, answers=2)
    assert (use.refused_first, use.fell_back, use.model_worded) == (2, 1, 1)
    assert use.judge_fell_back == 0
