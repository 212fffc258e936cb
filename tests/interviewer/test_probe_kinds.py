"""Which probe fits which kind of question (issue 13, item 1), for software and other roles:
knowledge questions ("What is …, and why …?"), procedures ("How do you …?"), situational and
design questions. Rules in `listening`; no question text is special-cased, so every case here
is a question the rules have never seen written down."""

from __future__ import annotations

import pytest

from tests.interviewer.builder import Transcript
from tests.interviewer.sim import make_plan
from vivavoce.interviewer.engine import FollowUp, Hint
from vivavoce.interviewer.judge import AnswerKind, FollowUpReason
from vivavoce.interviewer.listening import (
    DEEPER,
    PROBES,
    Aspect,
    QuestionStyle,
    choose_probe,
    probe_misfits,
    question_parts,
    question_style,
    read_answer,
)
from vivavoce.interviewer.plan import PlannedQuestion
from vivavoce.interviewer.turns import MoveKind
from vivavoce.interviewer.wording import is_whole_quote, noun_phrases, word_overlap

V = FollowUpReason.VAGUE


def q(text: str) -> PlannedQuestion:
    return PlannedQuestion(id="q1", text=text, dimension_ids=())


def first_follow_up(question: str, answer: str, depth: str = "medium") -> FollowUp:
    plan = make_plan(probingDepth=depth, stage={"questions": [{"text": question}]})
    move = Transcript(plan).started().asked("q1").you(answer, reason=V).decide()
    assert isinstance(move, FollowUp), move
    return move


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("How do you check a patient's identity before giving a medication?", "procedure"),
        ("What steps do you take when a delivery arrives damaged?", "procedure"),
        ("Walk me through how you close a support ticket.", "procedure"),
        ("What do you do before lifting a heavy box from a high shelf?", "procedure"),
        ("How does a sales pipeline forecast work?", "knowledge"),
        ("What is a net promoter score, and why do companies ask for it?", "knowledge"),
        ("How do you decide which lead to call first?", "knowledge"),
        ("How do you stay motivated on a long night shift?", "motivation"),
        ("Tell me about a time you motivated a tired team.", "behavioural"),
        ("What motivates you in sales?", "motivation"),
        ("How do you see yourself in this role?", "knowledge"),
        ("What would you do if a patient refused their medication?", "situational"),
        ("How would you organise the stock room before a big delivery?", "design"),
        ("Tell me about how you handled a complaint.", "behavioural"),
    ],
)
def test_procedures_are_told_from_knowledge_situational_and_design_questions(
    text: str, style: str
) -> None:
    assert question_style(q(text)) == style


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "What is average handling time, and why do support teams watch it?",
            (Aspect.MECHANISM, Aspect.WHY),
        ),
        (
            "What is a database index, and when does it stop helping?",
            (Aspect.MECHANISM, Aspect.EDGE, Aspect.WHY),
        ),
        (
            "Why do pharmacists ask about other medicines a customer takes?",
            (Aspect.WHY, Aspect.MECHANISM),
        ),
        (
            "How do you count stock at the end of a shift?",
            (Aspect.STEPS, Aspect.WHY, Aspect.VERIFY),
        ),
        (
            "How would you plan a store's holiday rota, and what could go wrong?",
            (Aspect.APPROACH, Aspect.FAILURE, Aspect.TRADE_OFF),
        ),
        (
            "Imagine a client cancels a signed deal. What would you do, and how would you know "
            "it had worked?",
            (Aspect.FIRST_STEP, Aspect.REASONING, Aspect.CHECK),
        ),
    ],
)
def test_a_complete_answer_has_what_the_question_itself_names(
    text: str, parts: tuple[Aspect, ...]
) -> None:
    assert question_parts(q(text)) == parts


@pytest.mark.parametrize(
    "answer",
    [
        "It's about how long an agent spends on each customer, from hello to wrap-up.",
        "It means the time an agent spends on one call, including the notes afterwards.",
        "It is the share of calls that an agent closes within the target time.",
    ],
)
def test_a_definition_answers_what_it_is_so_the_probe_asks_the_why(answer: str) -> None:
    """The reported misfit, as a rule: "It's about solving the problem the first time" to
    "What is …, and why …?" was asked how it works underneath; a definition says what it is,
    so the part left is the one the question named and the answer did not give: why."""
    question = "What is average handling time, and why do support teams watch it?"
    assert Aspect.MECHANISM in read_answer(q(question), answer).covered
    move = first_follow_up(question, answer)
    assert move.aspect == Aspect.WHY.value
    assert move.prompt and "underneath" not in move.prompt


def test_a_category_is_no_definition_and_is_asked_what_it_is() -> None:
    question = "What is a net promoter score, and why do companies ask for it?"
    reading = read_answer(q(question), "It's one of the numbers that managers look at.")
    assert Aspect.MECHANISM not in reading.covered
    assert first_follow_up(question, "It's one of the numbers managers look at.").aspect == (
        Aspect.MECHANISM.value
    )


def test_a_knowledge_answer_missing_the_part_the_question_named_is_asked_for_it() -> None:
    """ "…, and when does it stop helping?" after an answer with the mechanism and the why:
    the limit the question named is missing, so it is asked for at once."""
    question = "What is a triage scale, and when does it stop helping?"
    answer = (
        "It's the scale nurses use to sort patients by urgency, so the sickest are seen "
        "first, because waiting can harm them."
    )
    move = first_follow_up(question, answer)
    assert move.aspect == Aspect.EDGE.value


@pytest.mark.parametrize(
    ("question", "vague", "with_steps"),
    [
        (
            "How do you check a patient's identity before giving a medication?",
            "Carefully, it's really important.",
            "First I ask the patient to tell me their name and date of birth, then I compare "
            "them with the wristband and the chart.",
        ),
        (
            "What steps do you take when a delivery arrives damaged?",
            "I deal with it properly.",
            "First I photograph the pallet, then I note the damage on the driver's delivery "
            "note before I sign it.",
        ),
        (
            "Walk me through how you close a support ticket.",
            "I just close it when it's done.",
            "I check the customer's last reply, then I write a short summary and tag the "
            "ticket with its cause.",
        ),
    ],
)
def test_a_procedure_is_probed_for_its_steps_then_why_never_for_a_mechanism(
    question: str, vague: str, with_steps: str
) -> None:
    first = first_follow_up(question, vague)
    assert first.aspect == Aspect.STEPS.value
    second = first_follow_up(question, with_steps)
    assert second.aspect in (Aspect.WHY.value, Aspect.VERIFY.value)
    for move in (first, second):
        assert move.prompt
        assert not probe_misfits("procedure", move.prompt)
        assert "underneath" not in move.prompt and "would you" not in move.prompt


def test_a_procedure_answer_with_every_part_is_probed_one_level_deeper_at_most() -> None:
    question = "How do you hand over a patient to the next shift?"
    answer = (
        "First I go through each patient with the next nurse at the bedside, then I hand "
        "over the chart, because things said only in the office get lost. At the end we "
        "check the drug chart together and she signs it off."
    )
    reading = read_answer(q(question), answer)
    assert not reading.missing
    probe = choose_probe(reading, frozenset(), [], deepen=True)
    assert probe is not None and probe.aspect in DEEPER["procedure"]
    assert choose_probe(reading, frozenset(), [], deepen=False) is None


def test_i_dont_know_on_a_procedure_gets_the_first_step_as_a_narrower_angle() -> None:
    question = "How do you prepare a room for a patient who is arriving from surgery?"
    plan = make_plan(stage={"questions": [{"text": question}]})
    t = Transcript(plan).started().asked("q1").you("I don't know.", kind=AnswerKind.DONT_KNOW)
    move = t.decide()
    assert isinstance(move, Hint)
    assert "step comes before all the others" in move.prompt


def test_a_hint_is_never_a_near_copy_of_an_earlier_turn() -> None:
    """Two questions whose kinds have alike hints, both met with "I don't know"."""
    plan = make_plan(
        stage={
            "questions": [
                {"text": "How do you restock a shelf at the start of a shift?"},
                {"text": "How do you check a delivery against its order?"},
            ]
        }
    )
    t = Transcript(plan).started().asked("q1")
    first = t.you("I don't know.", kind=AnswerKind.DONT_KNOW).decide()
    assert isinstance(first, Hint)
    t.ai(MoveKind.HINT, "q1", text=first.prompt).you("Sorry, no idea.", kind=AnswerKind.DONT_KNOW)
    t.asked("q2")
    second = t.you("I don't know.", kind=AnswerKind.DONT_KNOW).decide()
    assert isinstance(second, Hint)
    assert second.prompt != first.prompt
    assert word_overlap(second.prompt, first.prompt) < 0.8


STYLES: tuple[QuestionStyle, ...] = (
    "design",
    "situational",
    "behavioural",
    "procedure",
    "knowledge",
    "motivation",
)
EXAMPLES: dict[QuestionStyle, str] = {
    "design": "How would you organise the picking of a large order?",
    "situational": "Imagine a customer shouts at you in the shop. What would you do?",
    "behavioural": "Tell me about a time you disagreed with a doctor.",
    "procedure": "How do you check a delivery against its order?",
    "knowledge": "What is a sales quota, and why do teams set one?",
    "motivation": "What draws you to nursing?",
}


@pytest.mark.parametrize("style", STYLES)
def test_no_probe_the_rules_can_choose_misfits_its_kind_of_question(style: QuestionStyle) -> None:
    question = q(EXAMPLES[style])
    assert question_style(question) == style
    for aspect in (*question_parts(question), *DEEPER[style]):
        for wording in PROBES[aspect][0]:
            assert not probe_misfits(style, wording), (style, aspect, wording)


def test_a_past_example_probe_misfits_a_knowledge_question() -> None:
    assert probe_misfits("knowledge", "Tell me about a time when that happened.")
    assert not probe_misfits("behavioural", "Tell me about a time when that happened.")


def test_a_probe_for_the_why_comes_once_per_question() -> None:
    question = "What is a reorder point, and why do warehouses use one?"
    plan = make_plan(probingDepth="high", stage={"questions": [{"text": question}]})
    t = Transcript(plan).started().asked("q1")
    move = t.you("It's when the stock of an item gets low enough to order more.", reason=V)
    first = move.decide()
    assert isinstance(first, FollowUp) and first.aspect == Aspect.WHY.value
    second = t.ai(MoveKind.FOLLOW_UP, "q1", text=first.prompt).you("Hmm, to be safe.", reason=V)
    then = second.decide()
    assert not (isinstance(then, FollowUp) and then.aspect == Aspect.WHY.value)


def test_a_word_before_an_object_pronoun_is_a_verb_never_the_end_of_a_quote() -> None:
    """ "the customer contacts" was quoted back from "… the customer contacts you"."""
    answer = "It's about solving the problem the first time the customer contacts you."
    phrases = noun_phrases(answer)
    assert "the customer contacts" not in phrases
    assert "the customer" in phrases
    assert all(is_whole_quote(p, answer) for p in phrases)
    assert noun_phrases("It's one of the metrics that managers look at.") == ["the metrics"]


@pytest.mark.parametrize(
    ("answer", "phrases"),
    [
        (
            "Compared with one shared queue, it means one agent answers fewer tickets.",
            ["one shared queue", "one agent", "fewer tickets"],
        ),
        (
            "If the tagging misses an urgent ticket, the fallback is an hourly sweep.",
            ["the tagging", "an urgent ticket", "the fallback"],
        ),
        (
            "The nurse checks the chart and the doctor signs it.",
            ["the nurse", "the chart", "the doctor"],
        ),
        ("On a very busy day, urgent ones come first.", []),
    ],
)
def test_a_verb_in_s_ends_a_noun_phrase_and_a_lone_adjective_is_none(
    answer: str, phrases: list[str]
) -> None:
    """Found on the tune split: "the tagging misses" and "urgent" (of "urgent ones") were
    phrases, so a transition had nothing whole to name."""
    assert noun_phrases(answer) == phrases
    assert all(is_whole_quote(p, answer) for p in phrases)
