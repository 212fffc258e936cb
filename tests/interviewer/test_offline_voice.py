"""The offline voice: how each move reads to a candidate."""

from __future__ import annotations

import itertools
import re

import pytest

from tests.interviewer.sim import PROFILE, make_plan
from vivavoce.interviewer.engine import (
    Ask,
    Clarify,
    Close,
    Encourage,
    FollowUp,
    Greet,
    Hint,
    LeadIn,
    Move,
    Redirect,
    Repeat,
    Wait,
    WrapUp,
    ai_turn,
)
from vivavoce.interviewer.judge import FollowUpReason
from vivavoce.interviewer.offline import ACKNOWLEDGEMENTS, OfflineVoice, second_person
from vivavoce.interviewer.plan import InterviewPlan
from vivavoce.interviewer.turns import MoveKind, Turn
from vivavoce.interviewer.voice import Voice, VoiceContext
from vivavoce.interviewer.wording import word_overlap

VOICE: Voice = OfflineVoice()
OFFLINE = OfflineVoice()
CLAIMS_HUMAN = re.compile(r"\bI(?:'m| am) (?:a |an )?(?:human|real person|person)\b", re.I)


def say(
    move: Move,
    plan: InterviewPlan | None = None,
    transcript: tuple[Turn, ...] = (),
    seed: str = "s",
) -> str:
    return OFFLINE.render(move, VoiceContext(plan or make_plan(), transcript, seed))


@pytest.mark.parametrize("tone", ["friendly", "professional", "strict", "challenging"])
def test_the_greeting_introduces_an_ai_the_role_the_time_and_the_format(tone: str) -> None:
    plan = make_plan(tone=tone)
    text = say(Greet(), plan)
    assert "I'm Ava, an AI interviewer" in text
    assert "Maria" in text and "Senior Backend Engineer" in text
    assert "30 minutes" in text and f"{len(plan.questions)} questions" in text
    assert "follow-up" in text and "repeat or clarify" in text
    assert "your own questions" in text
    assert not CLAIMS_HUMAN.search(text)


def test_greetings_follow_the_tone() -> None:
    assert say(Greet(), make_plan(tone="friendly")) != say(Greet(), make_plan(tone="strict"))


def test_a_persona_with_a_human_job_title_still_introduces_an_ai() -> None:
    profile = {**PROFILE, "persona": "You are a senior engineering manager at Acme."}
    text = say(Greet(), make_plan(profile=profile))
    assert "I'm an AI interviewer" in text
    assert "engineering manager" not in text


def test_asked_whether_it_is_human_it_says_it_is_an_ai() -> None:
    plan = make_plan()
    text = say(Clarify(plan.questions[0], "Are you a real person?", 1200), plan)
    assert "I'm an AI interviewer, not a person" in text
    closing = say(Close("completed", "Wait, are you a bot?"), plan)
    assert "I'm an AI interviewer, not a person" in closing


def _interview_of_acks(plan: InterviewPlan, seed: str, count: int = 8) -> list[str]:
    """Ask every question after a sound answer, as an interview would, and collect what
    each acknowledgement turn opens with."""
    transcript: list[Turn] = []
    acks: list[str] = []
    for number in range(count):
        question = plan.questions[number % len(plan.questions)]
        move = Ask(question, LeadIn.ANSWERED, remaining=3)
        text = OFFLINE.render(move, VoiceContext(plan, tuple(transcript), seed))
        opener = next(a for a in ACKNOWLEDGEMENTS[plan.tone] if text.startswith(a))
        acks.append(opener)
        transcript.append(
            ai_turn(move, index=len(transcript), text=text, started_at_s=0, ended_at_s=1)
        )
        transcript.append(Turn(len(transcript), "participant", "An answer.", 1, 2))
    return acks


@pytest.mark.parametrize("tone", ["friendly", "professional", "strict", "challenging"])
def test_acknowledgements_vary_and_never_repeat_back_to_back(tone: str) -> None:
    acks = _interview_of_acks(make_plan(tone=tone), seed="session-42")
    assert all(a != b for a, b in itertools.pairwise(acks)), acks
    assert len(set(acks)) >= 4, acks


def test_a_whole_clause_is_acknowledged_as_said_not_as_a_topic() -> None:
    plan = make_plan()
    for seed in ("a", "b", "c", "d"):
        move = Ask(
            plan.questions[1], LeadIn.ANSWERED, remaining=2, acknowledge="I'd ring the depot"
        )
        text = say(move, plan, seed=seed)
        assert "you'd ring the depot" in text and "about you" not in text, text


def test_wording_is_stable_for_a_seed_and_varies_across_seeds() -> None:
    plan = make_plan()
    assert _interview_of_acks(plan, "a") == _interview_of_acks(plan, "a")
    sequences = {tuple(_interview_of_acks(plan, seed)) for seed in ("a", "b", "c", "d")}
    assert len(sequences) > 1


def test_a_follow_up_refers_back_to_the_candidates_own_words() -> None:
    plan = make_plan()
    question = plan.questions[1]
    text = say(
        FollowUp(question, 1, FollowUpReason.VAGUE, quote="I led our move to Postgres"), plan
    )
    assert text.startswith("You said you led your move to Postgres.")
    text = say(FollowUp(question, 1, FollowUpReason.SHORT, quote="Kafka"), plan)
    assert text.startswith("You mentioned Kafka.")


def test_a_follow_up_asks_the_probe_the_policy_chose() -> None:
    plan = make_plan()
    behavioural = next(q for q in plan.questions if q.kind == "behavioural")
    probe = "How did it turn out, and how could you tell?"
    text = say(FollowUp(behavioural, 1, FollowUpReason.VAGUE, prompt=probe, quote="a refund"), plan)
    assert text.endswith(probe) and "a refund" in text
    # Without a chosen probe, the first part a complete answer to that kind of question has.
    assert "situation" in say(FollowUp(behavioural, 1, FollowUpReason.VAGUE), plan)
    design = make_plan(stage={"questions": [{"text": "How would you design a rota?"}]})
    text = say(FollowUp(design.questions[0], 1, FollowUpReason.VAGUE), design)
    assert "in practice" in text and "time" not in text


def test_i_dont_know_gets_a_kind_narrower_angle() -> None:
    plan = make_plan(tone="friendly")
    question = plan.questions[1]
    text = say(Hint(question, "What's the very first thing you would do?", "narrower"), plan)
    assert re.match(r"(?:That's|No problem)", text) and text.endswith("you would do?")
    assert not re.search(r"wrong|fail|unfortunately|disappoint", text, re.I)


def test_the_recruiters_follow_up_is_used_as_written() -> None:
    plan = make_plan(
        stage={"questions": [{"text": "Design a cache.", "follow_ups": ["What about eviction?"]}]}
    )
    text = say(
        FollowUp(plan.questions[0], 1, FollowUpReason.SHORT, prompt="What about eviction?"), plan
    )
    assert text.endswith("What about eviction?")


def test_a_contradiction_is_put_gently_with_both_quotes() -> None:
    plan = make_plan()
    text = say(
        FollowUp(
            plan.questions[1],
            1,
            FollowUpReason.CONTRADICTION,
            quote="I have never used Kafka.",
            earlier_quote="I ran Kafka clusters for three years.",
        ),
        plan,
    )
    assert '"I ran Kafka clusters for three years"' in text
    assert '"I have never used Kafka"' in text
    assert "reconcile" in text


def test_a_verbatim_question_is_asked_word_for_word() -> None:
    wording = "In no more than two minutes: why Rust, and why now?"
    plan = make_plan(stage={"questions": [{"text": wording, "verbatim": True}]})
    assert say(Ask(plan.questions[0], LeadIn.FIRST, remaining=0), plan).endswith(wording)


def test_the_last_question_is_announced() -> None:
    plan = make_plan()
    text = say(Ask(plan.questions[-1], LeadIn.ANSWERED, remaining=0), plan)
    assert "last question" in text or "final question" in text


def test_i_dont_know_is_met_kindly() -> None:
    plan = make_plan(tone="friendly")
    text = say(Ask(plan.questions[1], LeadIn.DONT_KNOW, remaining=2), plan)
    assert re.search(r"fine|no problem", text, re.I)
    assert plan.questions[1].text in text


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("How much time do we have left?", "about 20 minutes left"),
        ("Can I use an example from university?", "Yes, absolutely"),
        ("How long should my answer be?", "A couple of minutes"),
    ],
)
def test_common_clarifying_questions_get_direct_answers(asked: str, expected: str) -> None:
    plan = make_plan()
    assert expected in say(Clarify(plan.questions[0], asked, 1200), plan)


def test_a_clarification_explains_the_question_then_trusts_the_candidate() -> None:
    plan = make_plan()
    question = plan.questions[1]
    assert question.hint in say(Clarify(question, "What do you mean by trade-offs?", 900), plan)
    enough = say(Clarify(question, "And what about X?", 900, limit_reached=True), plan)
    assert "no wrong interpretation" in enough


def test_repeats_say_the_question_again() -> None:
    plan = make_plan()
    question = plan.questions[0]
    assert say(Repeat(question, "Great. " + question.text, MoveKind.ASK), plan).endswith(
        question.text
    )
    follow = say(
        Repeat(question, "You mentioned Kafka. What did you do?", MoveKind.FOLLOW_UP), plan
    )
    assert follow.endswith("What did you do?") and "Kafka" not in follow


def test_patience_and_check_ins_are_short_and_unpressured() -> None:
    plan = make_plan()
    thinking = say(Encourage(plan.questions[0], "thinking"), plan)
    assert len(thinking.split()) <= 8
    check_in = say(Encourage(plan.questions[0], "silence"), plan)
    assert "repeat" in check_in and "hurry" not in check_in


def test_a_redirect_names_the_question_in_a_few_words() -> None:
    plan = make_plan()
    question = plan.questions[2]  # two sentences: named by its topic and its question
    text = say(Redirect(question, "off_topic"), plan)
    assert "communication" in text and text.endswith("how did you make sure it landed?")
    assert question.text not in text
    short = make_plan(stage={"questions": [{"text": "Why do you want this job?"}]})
    assert say(Redirect(short.questions[0], "off_topic"), short).endswith(
        "Why do you want this job?"
    )
    scorer = say(Redirect(question, "addressed_to_scorer"), plan)
    assert "can't change how answers are assessed" in scorer
    assert scorer.endswith("how did you make sure it landed?")


def test_a_question_for_the_interviewer_is_noted_for_the_hiring_team() -> None:
    plan = make_plan()
    text = say(Clarify(plan.questions[0], "What's the salary range for this role?", 900), plan)
    assert "note it for the hiring team" in text and "Whenever you're ready" in text


def test_the_wrap_up_invites_questions_and_mentions_time_when_short() -> None:
    plan = make_plan()
    text = say(WrapUp("time", LeadIn.ANSWERED, skipped=("q4",)), plan)
    assert "coming up on time" in text and "any questions for me" in text
    assert "That's all the questions" in say(WrapUp("all_asked", LeadIn.ANSWERED), plan)


def test_the_close_thanks_gives_next_steps_and_passes_on_questions() -> None:
    plan = make_plan()
    text = say(Close("completed"), plan)
    assert "Thank you so much, Maria," in text
    assert "interview is now complete" in text and "next steps" in text
    asked = say(Close("completed", "What is the team like?"), plan)
    assert "follow up with you" in asked
    timed = say(Close("time_up"), plan)
    assert "end of our time" in timed


def test_last_words_are_acknowledged_at_the_close() -> None:
    plan = make_plan()
    transcript = (
        Turn(0, "ai", "Any questions?", 0, 1, MoveKind.WRAP_UP),
        Turn(1, "participant", "Just that I'm very excited about billing systems.", 2, 3),
    )
    assert "That's noted" in say(Close("completed"), plan, transcript)
    nothing = (transcript[0], Turn(1, "participant", "No, that's all, thanks!", 2, 3))
    assert "That's noted" not in say(Close("completed"), plan, nothing)


async def test_the_voice_streams_word_by_word() -> None:
    plan = make_plan()
    context = VoiceContext(plan, (), "s")
    chunks = [chunk async for chunk in VOICE.word(Greet(), context)]
    assert len(chunks) > 20
    assert "".join(chunks) == OFFLINE.render(Greet(), context)
    assert chunks[0] == "Hi "


async def test_a_wait_has_no_words() -> None:
    with pytest.raises(ValueError, match="silent"):
        [chunk async for chunk in VOICE.word(Wait(10), VoiceContext(make_plan(), ()))]


def test_second_person() -> None:
    assert second_person("I led our team and my manager thanked me") == (
        "you led your team and your manager thanked you"
    )
    assert second_person("I'm proud of what we built") == "you're proud of what you built"


def test_a_second_steer_back_is_no_near_copy_of_the_first() -> None:
    plan = make_plan(stage={"questions": [{"text": "Why do you want this job?"}]})
    question = plan.questions[0]
    first = say(Redirect(question, "off_topic"), plan)
    turns = (
        Turn(0, "ai", "Let's begin. Why do you want this job?", 0, 1, MoveKind.ASK, "q1"),
        Turn(1, "participant", "My cat is ill.", 2, 3),
        Turn(2, "ai", first, 3, 4, MoveKind.REDIRECT, "q1"),
        Turn(3, "participant", "And it rained all week.", 5, 6),
    )
    second = say(Redirect(question, "off_topic"), plan, turns)
    assert second.endswith("Why do you want this job?")
    assert word_overlap(first, second) < 0.8


def test_a_clarification_rephrases_a_recruiters_question_by_its_kind() -> None:
    plan = make_plan(
        stage={
            "questions": [
                {"text": "How would you organise a handover between shifts?"},
                {"text": "Tell me about a time you calmed an angry customer."},
            ]
        }
    )
    design, behavioural = plan.questions
    rephrased = say(Clarify(design, "What do you mean exactly?", 900), plan)
    assert "how you would go about it" in rephrased
    assert "own experience" not in rephrased
    assert "one real example" in say(Clarify(behavioural, "What do you mean?", 900), plan)
    from_job = say(Clarify(design, "Should I answer from my last job?", 900), plan)
    assert "how you would go about it" in from_job
    asked_before = (Turn(0, "ai", rephrased, 0, 1, MoveKind.CLARIFY, "q1"),)
    again = say(Clarify(design, "What do you mean exactly?", 900), plan, asked_before)
    assert word_overlap(again, rephrased) < 0.8 or design.text in again
