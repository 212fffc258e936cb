"""Pure rules of listening: question kinds, whole quotes, unsure words, fitting probes."""

from __future__ import annotations

import pytest

from tests.interviewer.builder import Transcript
from tests.interviewer.sim import make_plan
from vivavoce.interviewer.engine import FollowUp
from vivavoce.interviewer.judge import FollowUpReason
from vivavoce.interviewer.listening import (
    PROBES,
    asked_aspects,
    probe_misfits,
    question_style,
    read_answer,
)
from vivavoce.interviewer.plan import PlannedQuestion
from vivavoce.interviewer.turns import MoveKind, Turn
from vivavoce.interviewer.wording import is_whole_quote, noun_phrases, whole_clauses


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
