"""Hint terms heard as look-alike words are spelled back; nothing else is touched."""

from __future__ import annotations

from vivavoce.kit.recognition import Heard
from vivavoce.voice.bias import Hints, Topic, hints_for
from vivavoce.voice.term_repair import restored

SURE = 0.95
UNSURE = 0.3


def heard(*words: tuple[str, float]) -> Heard:
    return Heard(" ".join(word for word, _p in words), tuple(words))


def test_an_unsure_look_alike_of_a_hint_term_is_spelled_as_the_interview_spells_it() -> None:
    said = heard(("We", SURE), ("used", SURE), ("Postker", UNSURE), ("SQL.", 0.6))
    fixed = restored(said, ["PostgreSQL", "Celery"])
    assert fixed.text == "We used PostgreSQL."
    # the restored word is no surer than what was heard: it is never quoted or cited
    assert fixed.words == (("We", SURE), ("used", SURE), ("PostgreSQL.", UNSURE))


def test_a_clearly_heard_ordinary_word_is_left_alone_even_when_it_sounds_like_a_term() -> None:
    said = heard(("The", SURE), ("readies", SURE), ("were", SURE), ("late", SURE))
    assert restored(said, ["Redis"]) == said


def test_words_that_neither_sound_nor_look_like_a_term_are_left_alone() -> None:
    said = heard(("a", SURE), ("gang", UNSURE), ("gap", UNSURE), ("with", SURE))
    assert restored(said, ["Django", "Kubernetes"]) == said
    assert restored(said, []) == said


def test_a_term_already_heard_right_is_not_rewritten() -> None:
    said = heard(("pg", UNSURE), ("stat", UNSURE), ("statements", SURE))
    assert restored(said, ["pg_stat_statements"]) == said


def test_short_terms_are_never_restored_they_sound_like_too_many_words() -> None:
    said = heard(("we", SURE), ("sequel", UNSURE), ("it", SURE))
    assert restored(said, ["SQL"]) == said


def test_without_word_confidences_only_an_exact_sound_alike_is_restored() -> None:
    assert restored(Heard("I gave hepperin at noon"), ["heparin"]).text == (
        "I gave heparin at noon"
    )
    close_but_not_same = Heard("cuban eighties cluster")
    assert restored(close_but_not_same, ["Kubernetes"]) == close_but_not_same


def test_the_questions_own_terms_are_restorable_but_not_its_first_words() -> None:
    hints = hints_for(
        Topic("Backend engineer", ("Redis",)),
        "Tell me how you would use pg_stat_statements and EXPLAIN ANALYZE on Postgres.",
    )
    assert hints is not None
    restorable = hints.restorable()
    assert {"Redis", "pg_stat_statements", "EXPLAIN", "ANALYZE", "Postgres"} <= set(restorable)
    assert "Tell" not in restorable
    assert Hints().restorable() == ()


def test_words_run_together_into_one_term_must_sound_exactly_like_it() -> None:
    said = heard(("the", SURE), ("table", SURE), ("in", UNSURE), ("dbt", SURE))
    assert restored(said, ["Tableau"]) == said
    run_together = heard(("a", SURE), ("Postker", UNSURE), ("SQL", SURE), ("outbox", SURE))
    assert restored(run_together, ["PostgreSQL"]).text == "a PostgreSQL outbox"


def test_the_rest_of_the_text_keeps_its_own_spelling_and_spacing() -> None:
    said = Heard(
        "An eye-impotency key, and reduces  first.",
        (
            ("An", SURE),
            ("eye", UNSURE),
            ("-impotency", UNSURE),
            ("key,", SURE),
            ("and", SURE),
            ("reduces", UNSURE),
            ("first.", SURE),
        ),
    )
    fixed = restored(said, ["Redis"])
    assert fixed.text == "An eye-impotency key, and Redis  first."
    assert [word for word, _p in fixed.words][-2:] == ["Redis", "first."]
