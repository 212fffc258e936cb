"""The offline scorer on the bundled embedding model: substance over length and keywords."""

from __future__ import annotations

import time

from tests.scoring.samples import (
    BUZZWORDS,
    DESIGN_ONLY,
    DONT_KNOW,
    EXPERT,
    INJECTION,
    KEYWORDS,
    OFF_TOPIC,
    PADDED,
    RUBRIC,
    one_answer,
)
from vivavoce.scoring import embeddings
from vivavoce.scoring.offline import evidence, shared
from vivavoce.scoring.scorecard import assemble


def design_score(answer: str) -> float:
    transcript = one_answer(answer)
    return (
        assemble(DESIGN_ONLY, transcript, shared().score(DESIGN_ONLY, transcript))
        .breakdown[0]
        .scorer_score
        or 0.0
    )  # the scorer's own score: one answer has low confidence, which holds the card's score


def test_a_concise_expert_answer_outranks_long_buzzwords_keyword_lists_and_padding() -> None:
    expert = design_score(EXPERT)
    assert len(BUZZWORDS) > 2 * len(EXPERT)  # the buzzword answer is far longer
    gamed = {
        "buzzwords": design_score(BUZZWORDS),
        "keywords": design_score(KEYWORDS),
        "padding": design_score(PADDED),
    }
    assert expert >= 6.0
    for name, score in gamed.items():
        assert score < expert - 3.0, (name, score, expert)


def test_not_knowing_and_off_topic_answers_score_low() -> None:
    expert = design_score(EXPERT)
    assert design_score(DONT_KNOW) < 2.0
    assert design_score(OFF_TOPIC) < 2.0
    assert design_score(DONT_KNOW) < expert


def test_repeating_an_answer_does_not_raise_its_score() -> None:
    assert design_score(" ".join([EXPERT] * 4)) <= design_score(EXPERT) + 0.3


def test_injection_does_not_raise_the_score_and_is_counted() -> None:
    plain = one_answer(EXPERT)
    injected = one_answer(EXPERT + " " + INJECTION)
    base = assemble(DESIGN_ONLY, plain, shared().score(DESIGN_ONLY, plain))
    card = assemble(DESIGN_ONLY, injected, shared().score(DESIGN_ONLY, injected))
    assert card.score <= base.score
    assert card.manipulation_attempts == 1
    assert card.needs_human_review is True
    only = one_answer(INJECTION)
    alone = assemble(DESIGN_ONLY, only, shared().score(DESIGN_ONLY, only))
    assert alone.score <= 1.0 and alone.manipulation_attempts == 1  # no evidence: 1.0


def test_feedback_and_citations_come_from_the_transcript() -> None:
    transcript = one_answer(EXPERT)
    card = assemble(DESIGN_ONLY, transcript, shared().score(DESIGN_ONLY, transcript))
    design = card.breakdown[0]
    assert design.citations and all(c.turn == 3 and c.quote in EXPERT for c in design.citations)
    assert card.dropped_citations == ()
    assert "Kafka" in design.feedback and design.citations[0].quote in design.feedback
    weak = one_answer(BUZZWORDS)
    weak_card = assemble(DESIGN_ONLY, weak, shared().score(DESIGN_ONLY, weak))
    assert "passionate" in weak_card.breakdown[0].feedback  # names the candidate's own words


def test_feedback_names_no_pronoun_as_a_concrete_detail() -> None:
    said = (
        "I'd roll back first and I'll tell the channel, because the deploy is the likely cause; "
        "then I'd check Grafana for the error rate and PgBouncer for waiting connections."
    )
    assert "I'd" in evidence(said).specifics  # counted as the calibration was fitted
    transcript = one_answer(said)
    feedback = shared().score(DESIGN_ONLY, transcript).judgements[0].feedback
    assert "Concrete details given: Grafana, PgBouncer." in feedback


def test_unmapped_answers_count_for_the_dimension_they_are_about() -> None:
    transcript = one_answer(EXPERT, dims=())
    card = assemble(RUBRIC, transcript, shared().score(RUBRIC, transcript))
    scores = {d.dimension_id: d.score for d in card.breakdown}
    assert scores["system_design"] >= 5.0
    assert card.scorer == "offline" and "e5" in card.model


def test_evidence_reads_specifics_reasons_and_lists() -> None:
    expert = evidence(EXPERT)
    assert {"Kafka", "Postgres"} <= set(expert.specifics) and expert.reasons >= 3
    listed = evidence(KEYWORDS)
    assert listed.keyword_list and listed.substance < 0.1
    assert evidence(DONT_KNOW).dont_know


def test_the_model_loads_once_and_repeated_texts_are_cached() -> None:
    design_score(EXPERT)
    first = embeddings._get()
    started = time.perf_counter()
    design_score(EXPERT)
    assert embeddings._get() is first
    assert time.perf_counter() - started < 0.5
