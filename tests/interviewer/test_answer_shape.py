"""What an answer covered, read from its shape rather than its words (`answer_shape`): each
test is one grammatical rule, in trades and wordings the conversation evaluation does not use
(a librarian, a gardener, a bus driver, a vet nurse, a tiler …)."""

from __future__ import annotations

import pytest

from vivavoce.interviewer.answer_shape import clauses, shape_aspects
from vivavoce.interviewer.listening import Aspect, covered_aspects, question_style
from vivavoce.interviewer.plan import PlannedQuestion


def test_a_clause_knows_who_acts_and_when() -> None:
    first, second = clauses("On my second week at the depot I swapped routes. He thanked me.")
    assert (first.person, first.tense) == ("i", "past")  # the time and place come first
    assert (second.person, second.tense, second.sentence) == ("third", "past", 1)
    listed = clauses("I sweep the floor, wipe the counters and lock the door.")
    assert [c.person for c in listed] == ["i", "i", "i"]  # a verb goes on with the subject
    assert [c.tense for c in listed] == ["present"] * 3
    assert clauses("I'd phone the owner")[0].tense == "modal"
    assert clauses("I put the kettle on and boil it")[0].tense == "past"  # same-form verb alone


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        # the candidate's own action: "I" and a past verb, whatever the verb
        ("The shelving was falling apart, so I rebuilt it over a weekend.", Aspect.OWN_ACTION),
        # what came of it: after their action, a past clause about someone else
        (
            "I re-planted the bed with lavender. The owner loved it and booked us again.",
            Aspect.RESULT,
        ),
        # … also after "we", joined on by "and"
        ("We rang the landlord and he came round that evening.", Aspect.RESULT),
        # … or a past clause with a number or a time
        ("I rewrote the timetable and we lost fewer than two buses in March.", Aspect.RESULT),
        # a definition: a thing said to be what it is, in three words or more
        ("A reserve list is the set of books people have queued for.", Aspect.MECHANISM),
        # … or a thing said to do something in the general present
        ("Mulch holds water in the soil and keeps the roots cool.", Aspect.MECHANISM),
        # … or a condition and what follows, in general
        ("When a dog pants hard at rest, that usually points to pain.", Aspect.MECHANISM),
        # what it is for: a thing that stops, protects, lets or makes sure
        ("Grouting seals the gaps against damp.", Aspect.MECHANISM),
        # … also named by "it": it does something to something, or goes on after "and"
        ("It holds the gate shut in a strong wind.", Aspect.MECHANISM),
        ("It switches on and pushes the water up to the tank.", Aspect.MECHANISM),
        # … or what happens told first, its condition after
        ("The ramp folds out when the driver presses the kneel button.", Aspect.MECHANISM),
        ("Sealing the grout stops water getting behind the tiles.", Aspect.WHY),
        ("The muzzle makes sure nobody is bitten during the exam.", Aspect.WHY),
        # … or a consequence clause
        ("We label every crate, so the next shift can find it.", Aspect.WHY),
        ("You leave the lid on, otherwise the compost dries out.", Aspect.WHY),
        # a plan for something going wrong: a condition, then what they would do
        ("If the lift is out of order, I'd bring the boxes up by hand.", Aspect.FAILURE),
        ("If the first coat runs, the second one still covers it.", Aspect.FAILURE),
        ("If a reader brings a book back damaged, I'd log it first.", Aspect.EXCEPTION),
        # trouble named as a risk, then a plan for it, is a plan for failure (sixth pass)
        (
            "The biggest danger is a late frost, so I'd keep fleece ready for the seedlings.",
            Aspect.FAILURE,
        ),
        ("The risk would be a flat battery, so we carry a jump pack.", Aspect.FAILURE),
        # what a record shows or proves, said of a thing, is what it is for
        ("When a reader disputes a fine, the log shows when the book came back.", Aspect.WHY),
        ("The stamp proves the vet saw the dog that day.", Aspect.WHY),
        # a trade: something paid, "but", something gained
        (
            "Tiling from the centre takes longer, but the cuts come out even at both walls.",
            Aspect.TRADE_OFF,
        ),
        # a limit of the claim: a negated general rule, or when they would hold back
        ("Not every limp is a fracture, though.", Aspect.EDGE),
        ("Pruning doesn't help if the roots are already rotten.", Aspect.EDGE),
        ("I'd hold off on feeding when the leaves are yellow.", Aspect.EDGE),
        # a routine: two present actions by "I" or "you"
        ("You soak the brushes first. Then you rinse them in warm water.", Aspect.STEPS),
        # a look back after the act
        ("An hour later I'd ring the owner to see how the cat is eating.", Aspect.CHECK),
        ("I walk the route once more to make sure every stop is marked.", Aspect.VERIFY),
        # a first move: "I'd …" or "I …" at the start
        ("I pull the bus over and switch the engine off.", Aspect.FIRST_STEP),
    ],
)
def test_the_shape_of_a_clause_covers_its_part(text: str, aspect: Aspect) -> None:
    assert aspect.value in shape_aspects(text)
    assert aspect in covered_aspects(text)


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        # a verdict or a category is no definition
        ("Punctuality is the most important thing.", Aspect.MECHANISM),
        ("Dogs are a big responsibility.", Aspect.MECHANISM),
        ("Good soil is essential for any garden.", Aspect.MECHANISM),
        # "it" doing nothing in particular
        ("It depends on the weather.", Aspect.MECHANISM),
        ("It happens a lot in winter.", Aspect.MECHANISM),
        # nothing told in the past by "I": no own action, no result
        ("We always try our best with every passenger.", Aspect.OWN_ACTION),
        ("We always try our best with every passenger.", Aspect.RESULT),
        # a reason is not a result
        (
            "I chose the ferry, because it kept us off the toll road.",
            Aspect.RESULT,
        ),
        # a scene set by "when I …" is not yet an action with a result
        ("When I worked at the kennels, the dogs were noisy.", Aspect.RESULT),
        # one present action is not a routine
        ("I tidy up.", Aspect.STEPS),
        # a plan with no condition is not a plan for failure
        ("I'd plant the hedge in autumn.", Aspect.FAILURE),
        # a risk named with no plan after it is no plan for failure
        ("The risk is small.", Aspect.FAILURE),
        ("I think the danger of that is low.", Aspect.FAILURE),
    ],
)
def test_a_shape_that_says_nothing_covers_nothing(text: str, aspect: Aspect) -> None:
    assert aspect.value not in shape_aspects(text)


def test_every_rule_names_a_part_the_listener_knows() -> None:
    story = (
        "Last winter I had to close the reading room early. I told the regulars why, and "
        "if anyone was waiting I'd find them a seat upstairs. They understood, so nobody "
        "complained. It costs time, but it saves arguments."
    )
    assert {Aspect(name) for name in shape_aspects(story)} <= set(Aspect)


@pytest.mark.parametrize(
    ("text", "style"),
    [
        # "you" in the past asks about something that happened
        (
            "Can you give me an example of a reader who complained? How did you handle it?",
            "behavioural",
        ),
        ("Recall a week when you ran out of seedlings. What did you do?", "behavioural"),
        ("What was the longest shift you have ever worked?", "behavioural"),
        ("Share a moment you had to calm a crowd.", "behavioural"),
        # "would you" asks for a plan: a design with no scene, situational after one
        ("How would you decide which route to take in heavy snow?", "design"),
        ("Say a tenant refuses to let you in. Where would you start?", "situational"),
        # a scene, then "What do you do first?", is situational; a routine question is not
        ("A diner faints at the table. What do you do first?", "situational"),
        ("When a patient arrives, what do you do first?", "procedure"),
        # no "you" at all: what the wording and the planner say (a knowledge question here)
        ("Why do cyclists wear bright clothing at night?", "knowledge"),
    ],
)
def test_a_question_without_telling_words_is_read_by_its_grammar(text: str, style: str) -> None:
    assert (
        question_style(PlannedQuestion(id="q", text=text, dimension_ids=(), kind="bank")) == style
    )
