"""Issue 13's "what a candidate must experience", item by item, through the same loop the live
room runs (offline judge → engine → offline voice, a simulated clock): the rules that had no
end-to-end test of their own. Roles are not software on purpose."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from tests.interviewer.sim import Say, make_plan, simulate
from vivavoce.interviewer.engine import Ask, Clarify, FollowUp, Hint
from vivavoce.interviewer.listening import DEEPER, Aspect, question_to_interviewer
from vivavoce.interviewer.plan import InterviewPlan
from vivavoce.interviewer.turns import MoveKind

NURSE: dict[str, Any] = {
    "name": "Ward nurse screener",
    "persona": "You are Sam, a calm interviewer for the hospital's nursing team.",
    "useCase": "hiring",
    "evaluationDimensions": [
        {"id": "safety", "name": "Patient safety", "description": "Keeps patients safe"},
        {"id": "teamwork", "name": "Teamwork", "description": "Works well with others"},
    ],
    "interaction": {"tone": "friendly", "style": "structured", "probingDepth": "medium"},
}
TEMPLATE: dict[str, Any] = {
    "template_name": "Registered Nurse",
    "skills": ["Medication safety", "Patient handover"],
    "soft_skills": ["Teamwork"],
    "level": "Mid",
    "language": "en",
}
BEHAVIOURAL = "Tell me about a time you noticed a patient getting worse."
PROCEDURE = "How do you check a patient's identity before giving a medication?"
KNOWLEDGE = "What is an early warning score, and why do wards use one?"


def nurse_plan(*questions: str, depth: str = "medium") -> InterviewPlan:
    profile = {**NURSE, "interaction": {**NURSE["interaction"], "probingDepth": depth}}
    stage = {
        "type": "screen",
        "duration_minutes": 30,
        "questions": [{"text": q} for q in questions],
    }
    return make_plan(profile=profile, template=TEMPLATE, stage=stage)


STRONG_STORY = (
    "On a night shift last winter an elderly patient became confused and her breathing was "
    "faster than at the evening round. I checked her observations again myself, found her "
    "oxygen had dropped and called the outreach team at once. As a result she was treated "
    "for sepsis within the hour and recovered."
)


@pytest.mark.parametrize(
    "asked",
    [
        "How big is the team I would be joining?",
        "Before I answer, can I ask who I'd report to?",
        "What does a typical day look like in this job?",
        "Is the role on a rota with night shifts?",
    ],
)
async def test_a_question_about_the_job_gets_a_short_honest_answer_then_the_same_question(
    asked: str,
) -> None:
    run = await simulate(
        nurse_plan(BEHAVIOURAL),
        [Say("Yes, ready."), Say(asked), Say(STRONG_STORY), Say("No questions, thanks.")],
    )
    clarify = next(m for m in run.moves if isinstance(m, Clarify))
    reply = run.ai_turns[run.moves.index(clarify)].text
    assert "note it for the hiring team" in reply and len(reply.split()) <= 60
    assert clarify.question is not None and clarify.question.text == BEHAVIOURAL
    asks = [m for m in run.moves if isinstance(m, Ask)]
    assert len(asks) == 1  # no new question: the candidate answers the one on the table


async def test_a_question_about_what_happens_next_is_answered_without_a_promise() -> None:
    run = await simulate(
        nurse_plan(BEHAVIOURAL),
        [Say("Yes."), Say("When will I hear back about the result?"), Say(STRONG_STORY)],
    )
    clarify = next(m for m in run.moves if isinstance(m, Clarify))
    reply = run.ai_turns[run.moves.index(clarify)].text
    assert "hiring team reviews the whole interview" in reply
    assert not re.search(r"\b(?:you will|you'll) (?:get|be offered|pass|hear by)\b", reply)
    assert len(reply.split()) <= 60


def test_a_question_about_the_question_is_a_clarification_not_one_to_the_interviewer() -> None:
    assert question_to_interviewer("Do you mean a patient on my current ward?") is None
    assert question_to_interviewer("What's the pay like?") == "job"
    assert question_to_interviewer("What are the next steps after this?") == "process"
    # an answer that asks itself a question is still an answer
    assert (
        question_to_interviewer(
            "What did the team do first? We called the doctor, and I stayed with the patient "
            "and kept checking her observations every fifteen minutes until the doctor came?"
        )
        is None
    )


async def test_a_story_told_in_we_is_asked_for_the_candidates_own_part() -> None:
    we_story = (
        "We had a patient once who was deteriorating on the night shift. We called the "
        "doctor and our team looked after her until the morning."
    )
    run = await simulate(nurse_plan(BEHAVIOURAL), [Say("Ready."), Say(we_story), Say(STRONG_STORY)])
    follow_up = next(m for m in run.moves if isinstance(m, FollowUp))
    assert follow_up.aspect == Aspect.OWN_ROLE.value
    text = run.ai_turns[run.moves.index(follow_up)].text
    assert "personally" in text or "yours" in text


@pytest.mark.parametrize(("depth", "probes"), [("low", 0), ("medium", 1), ("high", 1)])
async def test_a_complete_answer_is_probed_one_level_deeper_or_left_alone(
    depth: str, probes: int
) -> None:
    run = await simulate(
        nurse_plan(BEHAVIOURAL, depth=depth),
        [Say("Ready."), Say(STRONG_STORY), Say(STRONG_STORY), Say("No, thank you.")],
    )
    follow_ups = [m for m in run.moves if isinstance(m, FollowUp)]
    assert len(follow_ups) == probes, run.render()
    for move in follow_ups:
        assert move.aspect in {a.value for a in DEEPER["behavioural"]}
        assert not re.search(r"could you (?:expand|elaborate)", move.prompt or "")


@pytest.mark.parametrize(("depth", "limit"), [("low", 1), ("medium", 2), ("high", 3)])
async def test_never_more_follow_ups_than_probing_depth_allows_hints_aside(
    depth: str, limit: int
) -> None:
    """An "I don't know" gets a hint (not a follow-up); then thin answers are probed, up to
    the depth's limit and never on a part already asked about."""
    thin = ["It's important.", "You have to be careful.", "It depends.", "Yes, checking."]
    script = [Say("Ready."), Say("I don't know."), *(Say(t) for t in thin), Say("No.")]
    run = await simulate(nurse_plan(PROCEDURE, depth=depth), script)
    assert any(isinstance(m, Hint) for m in run.moves), run.render()
    follow_ups = [m for m in run.moves if isinstance(m, FollowUp)]
    assert 1 <= len(follow_ups) <= limit, run.render()
    aspects = Counter(m.aspect for m in follow_ups)
    assert all(n == 1 for n in aspects.values()), run.render()


async def test_moving_on_names_what_the_candidate_said_without_a_verdict() -> None:
    answer = (
        "It's the score you add up from the observations, like breathing rate and blood "
        "pressure, so a patient who is getting worse is spotted early, because it tells "
        "the nurse when to call the doctor."
    )
    run = await simulate(
        nurse_plan(KNOWLEDGE, PROCEDURE),
        [Say("Ready."), Say(answer), Say(answer), Say("I don't know."), Say("No.")],
    )
    moving_on = [
        (m, t)
        for m, t in zip(run.moves, run.ai_turns, strict=True)
        if t.move is MoveKind.ASK and m.question.text == PROCEDURE  # type: ignore[union-attr]
    ]
    assert moving_on, run.render()
    move, turn = moving_on[0]
    assert isinstance(move, Ask) and move.acknowledge, run.render()
    assert not re.search(r"\b(?:great|excellent|perfect|impressive|well done)\b", turn.text)
    spoken_phrase = move.acknowledge.lower()
    assert any(word in answer.lower() for word in spoken_phrase.split() if len(word) > 4)
