"""The recogniser's hints (pure) and the collapse of repeated-phrase hallucinations."""

from __future__ import annotations

from vivavoce.kit.recognition import Heard, collapse_repeats, without_repeats
from vivavoce.voice.bias import (
    MAX_HOTWORDS_CHARACTERS,
    MAX_PROMPT_CHARACTERS,
    Hints,
    Topic,
    clean,
    earlier_terms,
    echoes,
    hints_for,
    without_trailing_echo,
)

BACKEND = Topic(role="Backend engineer", skills=("Django", "PostgreSQL", "Celery"))


def test_hints_name_the_skills_and_follow_the_question() -> None:
    hints = hints_for(BACKEND, "Thanks. How would you find a slow query?")
    assert hints is not None
    assert hints.hotwords == "Django, PostgreSQL, Celery"
    assert hints.prompt == "Backend engineer interview. Thanks. How would you find a slow query?"


def test_a_long_question_keeps_its_end() -> None:
    hints = hints_for(Topic(), "Some context. " * 200 + "So, how would you shard it?")
    assert hints is not None and hints.prompt.endswith("So, how would you shard it?")


def test_no_hints_without_anything_to_hint_with() -> None:
    assert hints_for(Topic()) is None


def test_earlier_terms_are_confident_term_like_words_most_recent_first() -> None:
    words = (
        ("We", 0.99),
        ("ran", 0.9),
        ("Kubernetes", 0.95),
        ("with", 0.9),
        ("Wambrick", 0.31),  # unsure: never hinted
        ("and", 0.9),
        ("gRPC,", 0.9),
        ("then", 0.9),
        ("S3.", 0.9),
        ("Later", 0.9),  # capitalised only because it starts a sentence
        ("Kubernetes", 0.9),  # once
    )
    assert earlier_terms(words) == ("Kubernetes", "S3", "gRPC")


def test_candidate_words_join_the_skills_and_everything_is_bounded() -> None:
    earlier = tuple((f"Term{n}", 0.9) for n in range(200))
    hints = hints_for(BACKEND, "Why? " * 400, earlier)
    assert hints is not None
    assert hints.hotwords.startswith("Django, PostgreSQL, Celery, Term199, Term198")
    assert len(hints.hotwords) <= MAX_HOTWORDS_CHARACTERS
    assert len(hints.prompt) <= MAX_PROMPT_CHARACTERS + 70
    assert hints.hotwords.count("Term") <= 24


def test_hints_cannot_carry_special_tokens_or_control_characters() -> None:
    nasty = Topic(role="<|endoftext|>Engineer\x00", skills=("<|notimestamps|>", "C++", "C#"))
    hints = hints_for(nasty, "Ignore this <|startoftranscript|>\n\nquestion", (("<|en|>", 1.0),))
    assert hints is not None
    for part in (hints.hotwords, hints.prompt):
        assert "<" not in part and "|" not in part and ">" not in part and "\x00" not in part
        assert "\n" not in part
    assert "C++" in hints.hotwords and "C#" in hints.hotwords


def test_clean_cuts_at_a_word() -> None:
    assert clean("one two three four", 12) == "one two"
    assert clean("  spaced\t\tout  ", 40) == "spaced out"


def test_echoes_spot_the_hints_read_back() -> None:
    hints = Hints(hotwords="Django, PostgreSQL, Celery, Redis", prompt="How would you scale it?")
    assert echoes("Django, PostgreSQL, Celery.", hints)
    assert echoes(
        "How would you scale it up? I would", Hints(prompt="so how would you scale it up")
    )
    assert not echoes("We used Django and PostgreSQL with Celery workers.", hints)
    assert not echoes("", hints)


def test_repeated_phrases_are_kept_once() -> None:
    tokens = ["so", "right,", "so", "right,", "so", "right,", "locked"]
    assert collapse_repeats(tokens) == [0, 1, 6]
    heard = without_repeats(Heard("so right, so right, so right, locked"))
    assert heard.text == "so right, locked"


def test_ordinary_repetition_is_left_alone() -> None:
    for text in ("it was very very slow", "no, no. It was fine", "we had a a problem"):
        assert without_repeats(Heard(text)).text == text


def test_a_long_phrase_twice_is_a_loop() -> None:
    heard = without_repeats(Heard("we moved it to a queue we moved it to a queue later"))
    assert heard.text == "we moved it to a queue later"


def test_words_and_their_confidences_collapse_with_the_text() -> None:
    words: tuple[tuple[str, float], ...] = (("so", 0.4), ("right,", 0.3), ("so", 0.4))
    words += (("right,", 0.3), ("so", 0.4))
    words += (("right,", 0.3), ("locked.", 0.6))
    heard = without_repeats(Heard("so right, so right, so right, locked.", words))
    assert heard.text == "so right, locked."
    assert heard.words == (("so", 0.4), ("right,", 0.3), ("locked.", 0.6))
    untouched = Heard("fine", (("fine", 0.9),))
    assert without_repeats(untouched) is untouched


def test_hint_terms_tacked_on_at_the_end_are_cut() -> None:
    hints = Hints(hotwords="Zendesk, troubleshooting, empathy, SLA management")
    words: tuple[tuple[str, float], ...] = (("with", 0.9), ("the", 0.9), ("logs.", 0.8))
    words += (("Zendesk,", 0.4),)
    words += (("troubleshooting,", 0.3),)
    heard = Heard("with the logs. Zendesk, troubleshooting,", words)
    assert without_trailing_echo(heard, hints) == Heard("with the logs.", words[:3])
    # one term at the end, terms out of order, or terms said mid-answer: left alone
    for text in (
        "we used Zendesk",
        "troubleshooting, Zendesk",
        "Zendesk, troubleshooting, and then the rest",
    ):
        assert without_trailing_echo(Heard(text), hints).text == text
    assert without_trailing_echo(Heard("Zendesk, troubleshooting"), hints).text != ""
