"""Evidence confidence and feedback that reads right (pure): thin evidence is held toward the
middle and flags review, texts quote only the candidate, pasted answers and mis-heard words
are signals, not evidence."""

from __future__ import annotations

from tests.scoring.samples import (
    DESIGN_ONLY,
    EXPERT,
    EXPERT_EXPLAINS,
    EXPERT_FAILURES,
    RUBRIC,
    STRONG_INTERVIEW,
    interview_of,
    one_answer,
)
from vivavoce.scoring.confidence import AnswerEvidence, held
from vivavoce.scoring.scorecard import (
    WITHHELD,
    WITHHELD_UNSURE,
    Citation,
    DimensionJudgement,
    ScorerOutput,
    assemble,
)
from vivavoce.scoring.transcript import MASK, ScoringTurn, build


def judged(
    design: float,
    communication: float,
    *,
    feedback: str = "f",
    citations: tuple[Citation, ...] = (),
    evidence: tuple[AnswerEvidence, ...] | None = None,
    **extra: object,
) -> ScorerOutput:
    return ScorerOutput(
        judgements=(
            DimensionJudgement("system_design", design, feedback, citations, evidence),
            DimensionJudgement("communication", communication, "f", (), evidence),
        ),
        scorer="test",
        model="none",
        **extra,  # type: ignore[arg-type]
    )


SHORT = "Kafka in front of the database, partitioned by device id, and consumers write in batches."
SHORTER = "Consumers upsert on the event id, so a replay after a crash never counts twice."


def test_one_short_answer_is_not_scored_like_three() -> None:
    three = assemble(RUBRIC, interview_of(STRONG_INTERVIEW), judged(8.2, 8.2))
    one = assemble(RUBRIC, one_answer(SHORT, ("system_design", "communication")), judged(8.2, 8.2))
    assert [(d.confidence, d.score) for d in three.breakdown] == [("high", 8.2), ("high", 8.2)]
    assert three.needs_human_review is False and three.passed is True
    assert [(d.confidence, d.score, d.scorer_score) for d in one.breakdown] == [
        ("low", 6.9, 8.2),
        ("low", 6.9, 8.2),
    ]
    assert one.passed is False  # 6.9 < 7.0: one short answer does not carry the bar alone
    assert one.needs_human_review is True
    assert (
        "Communication has low-confidence evidence: only one short answer (turn 3) "
        "informed it; its score was held toward the middle" in one.review_reasons
    )
    assert one.breakdown[0].public()["confidence"] == "low"


def test_one_full_answer_is_medium_and_its_follow_up_makes_it_high() -> None:
    """A long answer with substance weighs two short ones: medium on its own (held less, no
    review), high with a second answer to the same question."""
    full = assemble(
        RUBRIC, one_answer(EXPERT, ("system_design", "communication")), judged(8.2, 8.2)
    )
    assert [(d.confidence, d.score) for d in full.breakdown] == [("medium", 7.7), ("medium", 7.7)]
    assert full.passed is True and full.needs_human_review is False
    followed = build(
        [
            *one_answer(EXPERT, ("system_design",)).turns[:4],
            ScoringTurn(4, "ai", "What happens when a consumer crashes?", "q1", ("system_design",)),
            ScoringTurn(5, "participant", SHORTER),
        ]
    )
    card = assemble(DESIGN_ONLY, followed, judged_design(8.2))
    assert (card.breakdown[0].confidence, card.breakdown[0].evidence_turns) == ("high", (3, 5))
    # the scorer's quality decides whether a long answer is full
    thin = (AnswerEvidence(3, 0.9, 0.1),)
    card = assemble(DESIGN_ONLY, one_answer(EXPERT), judged_design(8.2, evidence=thin))
    assert card.breakdown[0].confidence == "low"


def test_a_specific_full_answer_is_held_lightly() -> None:
    """One full answer the scorer measured as concrete and on topic keeps 95 % of its distance
    above the middle (still `medium`); one it measured as merely full keeps 85 %, and without
    the scorer's measurements (the LLM judge) length alone cannot earn the lighter hold."""
    specific = (AnswerEvidence(3, 0.8, 0.7),)
    plain = (AnswerEvidence(3, 0.8, 0.4),)
    off_question = (AnswerEvidence(3, 0.5, 0.7),)
    cards = [
        assemble(DESIGN_ONLY, one_answer(EXPERT), judged_design(8.2, evidence=measured))
        for measured in (specific, plain, off_question, None)
    ]
    assert [(c.breakdown[0].confidence, c.breakdown[0].score) for c in cards] == [
        ("medium", 8.0),
        ("medium", 7.7),
        ("medium", 7.7),
        ("medium", 7.7),
    ]


def judged_design(score: float, evidence: tuple[AnswerEvidence, ...] | None = None) -> ScorerOutput:
    judgement = DimensionJudgement("system_design", score, "f", (), evidence)
    return ScorerOutput(judgements=(judgement,), scorer="test", model="none")


def test_two_answers_are_medium_and_weak_scores_are_not_raised() -> None:
    card = assemble(RUBRIC, interview_of((SHORT, SHORTER)), judged(9.0, 3.0))
    assert [(d.confidence, d.score) for d in card.breakdown] == [("medium", 8.4), ("medium", 3.0)]
    assert not any("low-confidence" in r for r in card.review_reasons)
    assert held(4.0, "low") == 4.0 and held(10.0, "low") == 8.0


def test_short_answers_do_not_count_as_evidence() -> None:
    short = ("Kafka, partitioned by device.", "Upserts on event ids.", "One diagram.")
    card = assemble(RUBRIC, interview_of(short), judged(8.0, 8.0))
    assert {d.confidence for d in card.breakdown} == {"low"}
    assert any("no substantive answer informed it" in r for r in card.review_reasons)


def test_the_scorers_relevance_and_consistency_count_when_it_measures_them() -> None:
    transcript = interview_of(STRONG_INTERVIEW)
    relevant = tuple(AnswerEvidence(t, 0.9, 0.8) for t in (3, 5, 7))
    assert assemble(RUBRIC, transcript, judged(8, 8, evidence=relevant)).breakdown[
        0
    ].confidence == ("high")
    off_topic = (
        AnswerEvidence(3, 0.9, 0.2),
        AnswerEvidence(5, 0.1, 0.8),
        AnswerEvidence(7, 0.2, 0.8),
    )
    card = assemble(RUBRIC, transcript, judged(8, 8, evidence=off_topic))
    assert (card.breakdown[0].confidence, card.breakdown[0].evidence_turns) == ("low", (3,))
    disagreeing = (
        AnswerEvidence(3, 0.9, 0.9),
        AnswerEvidence(5, 0.9, 0.1),
        AnswerEvidence(7, 0.9, 0.5),
    )
    assert (
        assemble(RUBRIC, transcript, judged(8, 8, evidence=disagreeing)).breakdown[0].confidence
        == "medium"
    )


def test_feedback_quotes_only_the_candidate() -> None:
    transcript = interview_of(STRONG_INTERVIEW)
    feedback = (
        'Asked "How would you design a service that ingests one million events per minute", the '
        'candidate said "partitioned by device id so ordering holds per device".'
    )
    output = judged(
        8.0,
        5.0,
        feedback=feedback,
        strengths='Good on "the queue absorbs the burst" and "ingests one million events".',
        probes='Ask again: "How would you explain the design".',
    )
    card = assemble(RUBRIC, transcript, output)
    design = card.breakdown[0].feedback
    assert "ingests one million events per minute" not in design and WITHHELD in design
    assert '"partitioned by device id so ordering holds per device"' in design
    strengths, probes = card.ai_feedback.split("\n\n")
    assert '"the queue absorbs the burst"' in strengths
    assert "ingests one million" not in strengths
    assert probes.startswith("Probe next: Communication (5.0/10) — from the questions at turns")
    assert "How would you explain" not in probes  # the interviewer's words, even the judge's


def test_a_pasted_answer_is_a_signal_not_evidence() -> None:
    turns = list(interview_of(STRONG_INTERVIEW).turns)
    turns[5] = ScoringTurn(5, "participant", EXPERT_FAILURES, pasted_characters=312)
    card = assemble(RUBRIC, build(turns), judged(8.0, 8.0))
    assert card.breakdown[0].evidence_turns == (3, 7)
    assert card.breakdown[0].confidence == "high"  # two full answers; the pasted one is not one
    assert card.needs_human_review is True
    assert any(
        r.startswith("turn 5: 312 characters were pasted into the answer")
        for r in card.review_reasons
    )
    assert "Pasted text (turn 5) was not counted" in card.breakdown[0].feedback


def voice(text: str, unsure: set[str]) -> tuple[tuple[str, float], ...]:
    return tuple((w, 0.2 if w.strip(".,") in unsure else 0.95) for w in text.split())


def test_words_the_recogniser_was_unsure_of_are_never_scored_or_cited() -> None:
    heard = "We kept the ledger in Wambrick and replicated it to West because reads dominate."
    turns = [
        ScoringTurn(0, "ai", "Where did you keep the data?", "q1", ("system_design",)),
        ScoringTurn(1, "participant", heard, words=voice(heard, {"Wambrick", "West"})),
        ScoringTurn(2, "ai", "Tell me about failures.", "q2", ("system_design",)),
        ScoringTurn(3, "participant", EXPERT_FAILURES, words=voice(EXPERT_FAILURES, set())),
        ScoringTurn(4, "ai", "And to the team?", "q3", ("system_design",)),
        ScoringTurn(5, "participant", EXPERT_EXPLAINS, words=voice(EXPERT_EXPLAINS, set())),
    ]
    transcript = build(turns)
    answer = transcript.answers[0]
    assert answer.unsure_words == ("wambrick", "west")
    assert "Wambrick" not in answer.text and MASK in answer.text  # what every scorer sees
    output = judged(
        8.0,
        8.0,
        feedback='Named "ledger in Wambrick" as the store.',
        citations=(Citation(1, "ledger in Wambrick"), Citation(3, "another consumer in the group")),
    )
    card = assemble(RUBRIC, transcript, output)
    design = card.breakdown[0]
    assert [c.turn for c in design.citations] == [3]
    assert WITHHELD_UNSURE in design.feedback and "Wambrick" not in design.feedback
    assert not any("could not be found" in r for r in card.review_reasons)  # not invented
    assert not any("poorly recognised" in r for r in card.review_reasons)  # 2 of ~130 words


def test_a_poorly_recognised_interview_says_so() -> None:
    heard = "We kept the ledger in Wambrick and replicated it to West because reads dominate."
    turns = [
        ScoringTurn(0, "ai", "Where did you keep the data?", "q1", ("system_design",)),
        ScoringTurn(1, "participant", heard, words=voice(heard, set(heard.split()[::2]))),
    ]
    card = assemble(RUBRIC, build(turns), judged(6.0, 6.0))
    assert any(
        r.startswith("the interview was poorly recognised: the speech recogniser was unsure of")
        for r in card.review_reasons
    )
    assert card.needs_human_review is True


def test_a_typed_dash_is_quoted_like_any_other_character() -> None:
    """The mask of an unsure word is a dash; a typed answer's own dashes are not unsure."""
    said = "I start from what it changes for them — cost, risk, dates — and keep it to one picture."
    quote = Citation(3, said)
    card = assemble(DESIGN_ONLY, one_answer(said), judged_design_with(quote))
    assert card.breakdown[0].citations == (quote,)
    assert not any("could not be found" in r for r in card.review_reasons)


def judged_design_with(citation: Citation) -> ScorerOutput:
    judgement = DimensionJudgement("system_design", 6.0, f'"{citation.quote}"', (citation,))
    return ScorerOutput(judgements=(judgement,), scorer="test", model="none")
