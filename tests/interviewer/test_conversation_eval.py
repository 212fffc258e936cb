"""The conversation evaluation (`make eval-interviewer`, eval/interviewer/): its checks flag
known-bad transcripts, and the offline interviewer meets the issue's floors when three tune
roles' scripted candidates of every kind are interviewed by a real `vivavoce serve` over the join
WebSocket. Times are printed, never asserted."""

from __future__ import annotations

import asyncio

import pytest
from eval.interviewer import checks
from eval.interviewer.candidates import KINDS
from eval.interviewer.checks import Conversation, Turn
from eval.interviewer.metrics import figures, table
from eval.interviewer.roles import select
from eval.interviewer.run import evaluate, grouped
from eval.interviewer.server import serve, server_env, throwaway_database

from tests.fixtures.database import server_url

DESIGN = "How would you make a payment API idempotent, so that a retry never charges twice?"
INCIDENT = "Tell me about a time you handled a production incident."
VAGUE = "I think I would use some kind of unique id for the request and check it."


def conversation(*turns: Turn, completed: bool = True) -> Conversation:
    return Conversation(
        role="backend_engineer",
        candidate="scripted",
        question_texts=(DESIGN, INCIDENT),
        question_kinds=("design", "behavioural"),
        max_follow_ups=1,
        turns=list(turns),
        completed=completed,
    )


def ai(text: str, move: str, question: int | None = None) -> Turn:
    return Turn("ai", text, move, question)


def said(text: str, label: str = "answer", question: int | None = 0, *covers: str) -> Turn:
    return Turn("participant", text, None, question, label, frozenset(covers))


def test_the_checks_flag_the_transcript_the_issue_quotes() -> None:
    bad = conversation(
        ai("Hello, I'm an AI interviewer. Ready?", "greet"),
        said("Yes, ready.", "ready", None),
        ai(f"Let's begin. {DESIGN}", "ask", 0),
        said(VAGUE, "answer", 0, "approach"),
        ai(
            "You said you think you would use some kind of unique id for the. Let's make that "
            "specific. Take me through one specific example: what happened, what you did, and "
            "how it turned out.",
            "follow_up",
            0,
        ),
        said("I don't know.", "dont_know", 0),
        ai(f"Understood, thank you. Next question. {INCIDENT}", "ask", 1),
        said("Last year I rolled back a release that broke checkout.", "answer", 1, "situation"),
        ai("What was the situation, and what was at stake?", "follow_up", 1),
        said("Checkout was down at the evening peak.", "answer", 1, "situation"),
        ai("Thanks, that gives me a good picture. Next question.", "wrap_up"),
        said("No questions.", "closing", None),
        ai("Thanks, that gives me a good picture. Next question.", "close"),
    )
    assert checks.cut_quotes(bad), "the quote cut mid-phrase is flagged"
    reasons = [why for _, why in checks.probe_misfits(bad)]
    assert "past example on a hypothetical question" in reasons
    assert "asks for situation, already covered" in reasons
    assert checks.dont_know_replies(bad) == [(5, False)]
    assert [ok for _, ok in checks.transitions(bad)] == [False]
    assert checks.repeats(bad) == [(10, 12)]
    assert not checks.closed_properly(bad)
    row = figures("bad", [bad])
    assert {"repeats", "cut_quotes", "probe_misfits", "grounded", "hinted", "closing"} <= set(
        row.misses()
    )


def test_the_checks_pass_a_transcript_that_listens() -> None:
    good = conversation(
        ai("Hello, I'm an AI interviewer. Ready?", "greet"),
        said("Yes, ready.", "ready", None),
        ai(f"Let's begin. {DESIGN}", "ask", 0),
        said(VAGUE, "answer", 0, "approach"),
        ai(
            "You said you would use some kind of unique id for the request. What could go "
            "wrong with that, and what would you do then?",
            "follow_up",
            0,
        ),
        said("If the provider times out, the key stays pending and a job reconciles it."),
        ai(f"Thank you for the detail on the provider. {INCIDENT}", "ask", 1),
        said("I don't know.", "dont_know", 1),
        ai("That's fine. It doesn't have to be from a job: any small example counts.", "hint", 1),
        said("Once at university our shared server went down and I restarted it.", "answer", 1),
        ai("Thanks. I've noted the shared server. Any questions for me?", "wrap_up"),
        said("No questions.", "closing", None),
        ai("Thank you for your time today. Goodbye, and all the best.", "close"),
    )
    assert checks.cut_quotes(good) == []
    assert [q for _, q, _ in checks.quotes(good)], "the whole quotes are found"
    assert checks.probe_misfits(good) == []
    assert checks.repeats(good) == []
    assert [ok for _, ok in checks.transitions(good)] == [True, True]
    assert checks.dont_know_replies(good) == [(7, True)]
    assert checks.closed_properly(good)
    assert figures("good", [good]).misses() == []


@pytest.mark.one_database
def test_the_offline_interviewer_meets_the_floors_through_a_real_server() -> None:
    roles = select("backend_engineer,registered_nurse,secondary_teacher", split="tune")
    assert len(roles) == 3
    with (
        throwaway_database(server_url()) as (url, database_env),
        serve(server_env(database_env, with_llm=False), url) as served,
    ):
        conversations = asyncio.run(evaluate(served, roles, KINDS, concurrency=2))
    rows = grouped(conversations, roles)
    print("\n" + table(rows))
    overall = rows[-1]
    assert overall.interviews == overall.completed == len(roles) * len(KINDS)
    assert overall.transitions > 0
    assert overall.dont_knows > 0
    assert overall.follow_ups > 0
    assert overall.repeats == 0
    assert overall.cut_quotes == 0
    assert overall.probe_misfits == 0
    assert overall.over_depth == 0
    assert overall.grounded is not None
    assert overall.grounded >= 0.8
    assert overall.hinted is not None
    assert overall.hinted >= 0.9
    assert overall.closing == 1.0


def test_a_quote_that_stops_before_the_object_of_its_verb_is_cut() -> None:
    """ "the customer contacts" of "… the customer contacts you": the check was blind to it."""
    answer = "It's about solving the problem the first time the customer contacts you."
    cut = conversation(
        ai(f"Let's begin. {DESIGN}", "ask", 0),
        said(answer, "answer", 0, "approach"),
        ai("You brought up the customer contacts. Why does that matter here?", "follow_up", 0),
    )
    assert checks.cut_quotes(cut) == [(2, "the customer contacts")]
    whole = conversation(
        ai(f"Let's begin. {DESIGN}", "ask", 0),
        said(answer, "answer", 0, "approach"),
        ai("You brought up solving the problem. Why does that matter here?", "follow_up", 0),
    )
    assert [q for _, q, _ in checks.quotes(whole)] == ["solving the problem"]
    assert checks.cut_quotes(whole) == []


def test_off_topic_and_clarifications_must_get_the_fitting_move() -> None:
    holiday = "This reminds me of my holiday in Portugal, the beaches were lovely."
    taken_as_answer = conversation(
        ai(f"Let's begin. {DESIGN}", "ask", 0),
        said(holiday, "off_topic", 0),
        ai("You talked about a little bar. What exactly would you do first?", "follow_up", 0),
        said("Could you rephrase the question?", "clarify", 0),
        ai("I'm asking how you would go about it: the approach first.", "clarify", 0),
    )
    assert checks.steered_replies(taken_as_answer) == [(1, False), (3, True)]
    assert figures("steered", [taken_as_answer]).steered == 0.5
