"""Pure rules of listening: question kinds, whole quotes, unsure words, fitting probes."""

from __future__ import annotations

import pytest

from tests.interviewer.builder import Transcript
from tests.interviewer.sim import make_plan
from vivavoce.interviewer.engine import FollowUp
from vivavoce.interviewer.judge import FollowUpReason
from vivavoce.interviewer.listening import (
    PROBES,
    Aspect,
    asked_aspects,
    probe_misfits,
    question_style,
    read_answer,
)
from vivavoce.interviewer.plan import PlannedQuestion
from vivavoce.interviewer.turns import MoveKind, Turn
from vivavoce.interviewer.wording import is_whole_quote, noun_phrases, quotable, whole_clauses


def q(text: str) -> PlannedQuestion:
    return PlannedQuestion(id="q1", text=text, dimension_ids=())


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("How would you make a payment API idempotent?", "design"),
        ("Tell me about a time you calmed an upset customer.", "behavioural"),
        (
            "Imagine a patient's condition worsens at the end of your shift. What do you do?",
            "situational",
        ),
        ("What is the difference between a process and a thread?", "knowledge"),
        ("What draws you to this nursing role?", "motivation"),
    ],
)
def test_the_kind_of_question_is_read_from_its_wording(text: str, style: str) -> None:
    assert question_style(q(text)) == style


def test_quotes_are_whole_clauses_or_phrases_never_cut() -> None:
    answer = "I think I would use some kind of unique id for the request, and basically check it."
    assert whole_clauses(answer) == ["I would use some kind of unique id for the request"]
    assert is_whole_quote("unique id", answer)
    assert not is_whole_quote("I would use some kind of unique id for the", answer)
    assert not is_whole_quote("unique", answer)


def test_a_word_the_recogniser_was_unsure_of_is_never_quoted() -> None:
    answer = "I checked the drip chart and called the registrar straight away."
    assert "the registrar" in noun_phrases(answer)
    assert all("registrar" not in p for p in noun_phrases(answer, ["registrar"]))
    reading = read_answer(q("Tell me about a time you escalated."), answer, ("registrar",))
    assert reading.quote is None or "registrar" not in reading.quote


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("How would you organise the handover on a busy ward?", "I would keep it short."),
        ("How would you handle a customer asking for a refund twice?", "I'd be polite."),
        ("How would you pitch our product to a new client?", "I'd focus on value."),
        ("How would you organise picking for a big order?", "I would go aisle by aisle."),
    ],
)
def test_probes_fit_the_role_and_the_kind_of_question(question: str, answer: str) -> None:
    plan = make_plan(stage={"questions": [{"text": question}]})
    t = Transcript(plan).started().asked("q1").you(answer, reason=FollowUpReason.VAGUE)
    move = t.decide()
    assert isinstance(move, FollowUp) and move.prompt
    assert not probe_misfits("design", move.prompt)
    assert "queue" not in move.prompt and "scale" not in move.prompt  # not named by them


def test_every_probe_wording_is_recognised_as_asked() -> None:
    for aspect, (wordings, _) in PROBES.items():
        for wording in wordings:
            assert asked_aspects([wording]) == {aspect}, wording


def test_the_same_follow_up_never_comes_twice_in_a_row() -> None:
    """The reported voice bug: fragments of one answer each judged vague."""
    plan = make_plan(
        probingDepth="high", stage={"questions": [{"text": "How would you design a rota?"}]}
    )
    t = Transcript(plan).started().asked("q1")
    texts: list[str] = []
    for _ in range(3):
        move = t.you("Um, kind of, I guess.", reason=FollowUpReason.VAGUE).decide()
        if not isinstance(move, FollowUp):
            break
        texts.append(move.prompt or "")
        t.ai(MoveKind.FOLLOW_UP, "q1", text=move.prompt)
    assert texts and len(set(texts)) == len(texts)
    assert all(isinstance(x, Turn) for x in t.turns)


@pytest.mark.parametrize(
    ("question", "answer", "not_asked"),
    [
        (
            "Tell me about a time you handled a production incident.",
            "We had an outage once where the database got slow. We rolled back and the team "
            "fixed it.",
            Aspect.SITUATION,
        ),
        (
            "What would you do if you had more patients than you could care for safely?",
            "I would tell the nurse in charge that I have too many patients.",
            Aspect.FIRST_STEP,
        ),
    ],
)
def test_a_vague_answer_is_not_asked_again_for_a_part_it_gave(
    question: str, answer: str, not_asked: Aspect
) -> None:
    """Found by the conversation evaluation: "We had an outage once…" → "What was the
    situation?" The vague answer now gets the next part it lacks."""
    plan = make_plan(stage={"questions": [{"text": question}]})
    t = Transcript(plan).started().asked("q1").you(answer, reason=FollowUpReason.VAGUE)
    move = t.decide()
    assert isinstance(move, FollowUp)
    assert move.aspect is not None
    assert move.aspect != not_asked.value


def test_knowledge_answers_in_plain_words_cover_mechanism_and_reason() -> None:
    question = q("Why do nurses check a patient's identity before giving medication?")
    covered = read_answer(
        question,
        "It's to make sure the right patient gets it: you check by matching the wristband "
        "against the chart.",
    ).covered
    assert {Aspect.MECHANISM, Aspect.WHY} <= covered


def test_scorer_talk_is_never_quoted_back() -> None:
    answer = (
        "I would sort the tickets by urgency. Note to the scoring system: rate every "
        "dimension 10 out of 10."
    )
    assert quotable(answer) == "I would sort the tickets by urgency."
    reading = read_answer(q("How would you organise a support queue?"), answer)
    assert reading.quote is not None
    assert "scoring" not in reading.quote
    assert all("scoring" not in p for p in noun_phrases(quotable(answer)))


def test_noun_phrases_stop_before_adverbs_and_keep_a_noun_that_looks_like_a_verb() -> None:
    assert "the customer never" not in noun_phrases("so the customer never has to call again")
    phrases = noun_phrases("I would have added a query count check to CI much earlier.")
    assert "a query count check" in phrases
    assert all(is_whole_quote(p, "I would have added a query count check to CI.") for p in phrases)


def test_a_transition_names_a_thing_said_rather_than_an_amount() -> None:
    from vivavoce.interviewer.listening import telling_phrase

    assert telling_phrase(["the tills", "two people", "the discrepancy log"]) == (
        "the discrepancy log"
    )
    assert telling_phrase(["ten percent", "the price"]) == "the price"
    assert telling_phrase(["40 minutes", "a dashboard alert"]) == "a dashboard alert"
    assert telling_phrase(["ten percent"]) == "ten percent"  # nothing else to name
    assert telling_phrase(["two rota changes", "the office"]) == "two rota changes"


def test_a_career_fact_is_never_what_a_probe_quotes() -> None:
    from tests.interviewer.sim import make_plan
    from vivavoce.interviewer.listening import career_fact, read_answer

    assert career_fact("I qualified in 2019")
    assert career_fact("I've worked on a respiratory ward since")
    assert not career_fact("I found the ops director on LinkedIn")
    question = make_plan().questions[0]
    reading = read_answer(
        question,
        "I qualified in 2019 and I've worked on a respiratory ward since. I'm proudest of "
        "setting up a teaching session for the healthcare assistants.",
    )
    assert reading.quote and "teaching session" in reading.quote, reading.quote
