"""The speech evaluation's measures (eval/voice/metrics.py) and its answer set."""

from __future__ import annotations

from eval.voice import metrics
from eval.voice.run import load
from eval.voice.speech import with_noise


def test_words_are_compared_without_case_punctuation_or_digit_spelling() -> None:
    assert metrics.words("I ran pg_stat_statements, 3 times!") == [
        "i",
        "ran",
        "pg",
        "stat",
        "statements",
        "three",
        "times",
    ]
    assert metrics.words("It's 42% of the single sign-on users") == [
        "it's",
        "forty",
        "two",
        "percent",
        "of",
        "the",
        "single",
        "sign",
        "on",
        "users",
    ]


def test_word_error_rate_counts_substitutions_insertions_and_deletions() -> None:
    said = metrics.words("a Django app with PostgreSQL")
    assert metrics.edit_distance(said, said) == 0
    heard = metrics.words("a gang gap with both the SQL")
    assert metrics.edit_distance(said, heard) == 5  # 2 substitutions, 3 for PostgreSQL


def test_a_term_is_heard_as_a_run_of_words_never_inside_another() -> None:
    heard = metrics.words("I turned on PG stat statements and Node JS on PostgreSQL")
    assert metrics.term_heard("pg_stat_statements", heard)
    assert metrics.term_heard("Node.js", heard)
    assert metrics.term_heard("PostgreSQL", heard)
    assert not metrics.term_heard("SQL", heard)
    assert not metrics.term_heard("EXPLAIN ANALYZE", heard)


def test_the_answer_set_has_both_splits_in_every_role_and_scores_its_terms() -> None:
    interviews = load()
    assert len(interviews) >= 5
    for interview in interviews:
        splits = {a.split for a in interview.answers}
        assert splits == {"tune", "holdout"}, interview.topic.role
        for answer in interview.answers:
            said = metrics.words(answer.text)
            assert all(metrics.term_heard(term, said) for term in answer.terms), answer.text
    kinds = {a.kind for i in interviews for a in i.answers}
    assert kinds == {"technical", "plain"}


def test_the_noise_is_the_same_every_run_and_at_the_asked_level() -> None:
    import numpy

    tone = (numpy.sin(numpy.arange(16_000) / 5) * 8000).astype(numpy.int16).tobytes()
    noisy = with_noise(tone, 20.0, "seed")
    assert noisy == with_noise(tone, 20.0, "seed") != with_noise(tone, 20.0, "other")
    clean = numpy.frombuffer(tone, dtype=numpy.int16).astype(float)
    added = numpy.frombuffer(noisy, dtype=numpy.int16).astype(float) - clean
    snr = 20 * numpy.log10(numpy.sqrt(numpy.mean(clean**2)) / numpy.sqrt(numpy.mean(added**2)))
    assert 19.0 < snr < 21.5
