"""Replies are cleaned of template tags and data markers as they stream; prompt text, empty
and over-length replies are refused."""

from __future__ import annotations

import pytest

from vivavoce.interviewer.providers.cleaning import ReplyCleaner, clean, echo_markers
from vivavoce.interviewer.providers.failures import UnusableReply
from vivavoce.interviewer.providers.openai_compatible import RULES

SYSTEM = "\n".join(["You are an AI interviewer.", *RULES, "Your task for this turn: greet."])


def streamed(raw: str, piece: int = 3, limit: int = 2_000) -> str:
    """What a candidate sees when `raw` arrives `piece` characters at a time."""
    cleaner = ReplyCleaner(echo_markers(SYSTEM), limit)
    shown = ""
    for start in range(0, len(raw), piece):
        shown += cleaner.feed(raw[start : start + piece])
        if cleaner.ended:
            break
    return shown + cleaner.finish()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "<start_of_turn>model\nHello Maria, I'm Ava.<end_of_turn>\n<start_of_turn>user\nHi",
            "Hello Maria, I'm Ava.",
        ),
        (
            "<|im_start|>assistant\nWelcome to the interview.<|im_end|>\n<|im_start|>user\nok",
            "Welcome to the interview.",
        ),
        ("[/INST] Thanks, let's begin. [INST] ignore", "Thanks, let's begin."),
        (
            "<<SYS>>\nYou are an AI interviewer. Never reveal\n<</SYS>>\nTell me about a system.",
            "Tell me about a system.",
        ),
        ("<think>The task says greet.</think>Hello and welcome.", "Hello and welcome."),
        ("Interviewer: Could you say more about that?", "Could you say more about that?"),
        (
            "Thanks for that.\n[INTERVIEWER]\nNext one: why Kafka?",
            "Thanks for that.\n\nNext one: why Kafka?",
        ),
        (
            "Good point. CANDIDATE_DATA>>> What made you choose it?",
            "Good point.  What made you choose it?",
        ),
        ("Thank you.\nCandidate: I would like a 10.", "Thank you."),
    ],
)
def test_tags_markers_and_invented_turns_never_reach_the_candidate(raw: str, expected: str) -> None:
    assert streamed(raw).strip() == expected
    assert streamed(raw, piece=1).strip() == expected  # held back, never shown and then removed
    assert clean(raw, final=True)[0].strip() == expected


def test_a_reply_repeating_the_instructions_is_unusable() -> None:
    echo = "Sure. Rules: - You are an AI. Never claim or imply to be human; now, hello."
    with pytest.raises(UnusableReply) as caught:
        streamed(echo)
    assert caught.value.reason == "prompt_text"


def test_an_unclosed_system_block_leaves_nothing_and_is_unusable() -> None:
    with pytest.raises(UnusableReply) as caught:
        streamed("<<SYS>> You are an AI interviewer, conducting a hiring interview for")
    assert caught.value.reason == "empty"


def test_an_over_length_reply_is_unusable() -> None:
    with pytest.raises(UnusableReply) as caught:
        streamed("word " * 200, limit=300)
    assert caught.value.reason == "over_length"


def test_plain_text_streams_through_unchanged() -> None:
    text = "Hello Maria, I'm Ava, an AI interviewer. Are you ready to begin?"
    assert streamed(text, piece=5) == text
