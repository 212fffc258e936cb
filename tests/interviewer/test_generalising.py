"""Rules found by interviewing scripted candidates for roles the rules were not written against
(teacher, hotel front desk, care assistant): each test is the general rule, in words that are
not the evaluation's own."""

from __future__ import annotations

import pytest

from tests.interviewer.sim import make_plan
from tests.interviewer.test_listening import q
from tests.interviewer.test_offline_judge import judge
from vivavoce.interviewer.judge import AnswerKind
from vivavoce.interviewer.listening import Aspect, covered_aspects, hint_for, question_style
from vivavoce.interviewer.offline import _not_running_on
from vivavoce.interviewer.turns import Turn
from vivavoce.interviewer.voice import VoiceContext
from vivavoce.interviewer.wording import (
    head_nouns,
    is_whole_quote,
    noun_phrases,
    whole_clauses,
    whole_wherever_said,
)


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        # a story told in the past has set its scene
        (
            "My neighbour's boiler broke in January. We waited two days for a part.",
            Aspect.SITUATION,
        ),
        # what came of it, told by when
        ("Two weeks later the shop owner rang to thank us.", Aspect.RESULT),
        # a definition that names the thing first
        ("Triage means sorting people by how urgently they need help.", Aspect.MECHANISM),
        # an exception stated as a case and what they do then
        ("If a delivery arrives damaged, I photograph it before signing.", Aspect.EXCEPTION),
        ("It stops making sense when the queue is empty.", Aspect.EDGE),
        # two actions in a list are steps
        ("I weigh the parcel, print the label and book the courier.", Aspect.STEPS),
    ],
)
def test_plain_words_cover_the_part_they_say(text: str, aspect: Aspect) -> None:
    assert aspect in covered_aspects(text)


def test_a_check_out_is_not_a_check() -> None:
    assert Aspect.VERIFY not in covered_aspects("I do the check-out at the till.")
    assert Aspect.STEPS not in covered_aspects("I always give good service to everyone.")


@pytest.mark.parametrize(
    ("text", "wanted", "never"),
    [
        ("Yes, that is the main thing for me.", [], ["the main"]),
        ("I planned three or four big ideas every pupil must learn.", [], ["four big"]),
        ("If the card reader stops working, we take cash.", ["the card reader"], ["stops"]),
        ("I'd begin with what each tenant prefers, then plan.", ["each tenant"], ["prefers"]),
        ("Sudden pain can mean a fracture.", ["sudden pain", "a fracture"], ["Sudden pain"]),
        ("I drove the van myself.", ["the van"], ["the van myself"]),
        ("The new driver slept badly.", [], ["slept"]),
        ("In a power cut you switch to the generator.", ["the generator"], ["a power cut"]),
        ("I learned that giving people a choice helps.", ["a choice"], ["giving people"]),
        ("The checks are done twice.", ["the checks"], []),
        # an ordinal after a phrase may continue it: the phrase is not quoted
        ("I fed the older hens first.", [], ["the older hens"]),
        ("Then I sweep loose gravel last.", [], ["loose gravel"]),
        ("A late delivery is worse than none.", ["a late delivery"], ["A late"]),
        # an adverb or a comparison after a phrase may continue it: not quoted (sixth pass)
        ("I'd hire a second cleaner rather than rush.", [], ["a second cleaner", "rather"]),
        ("We keep the spare keys together with the logbook.", ["the logbook"], ["spare keys"]),
        ("The old boiler still leaks.", [], ["old boiler"]),
        ("Short breaks come first.", [], ["come"]),
        # a preposition or a word of frequency ends the phrase, it is never its last word
        ("I stack the crates behind the counter near the till.", ["the crates"], ["behind"]),
        ("We meet in groups of six twice a month.", [], ["twice"]),
        # how often may belong to the phrase or to the verb: the phrase is not quoted
        ("I weigh every parcel twice before loading.", [], ["every parcel"]),
        ("The roof is strong enough.", [], ["enough"]),
        ("I sweep it each morning.", [], ["each morning"]),
        # a phrase that opens its clause stops before the clause's verb
        ("Fresh mortar sets within an hour.", ["fresh mortar"], ["sets"]),
        ("The gauge reads two bar.", ["the gauge"], ["reads"]),
        ("Two coaches arrive at noon.", ["two coaches"], ["arrive"]),
        # … but a noun before "are" is the noun of the phrase
        ("The site records are kept in the cabin.", ["the site records"], []),
    ],
)
def test_noun_phrases_keep_their_head_and_stop_before_verbs(
    text: str, wanted: list[str], never: list[str]
) -> None:
    phrases = noun_phrases(text)
    for phrase in wanted:
        assert phrase in phrases
    for part in never:
        assert not any(part in p for p in phrases), phrases


def test_single_nouns_are_whole_where_they_stand() -> None:
    assert head_nouns("In a flood you close the valve and wait for the fire crew.") == [
        "a flood",
        "the valve",
    ]  # "the fire" of "the fire crew" is the start of a compound
    assert head_nouns("A calm word works better than threats.") == ["threats"]
    assert head_nouns("I see the patient first, then the notes.") == ["the notes"]
    assert head_nouns("It depends, really.") == []


def test_the_main_clause_after_a_condition_without_a_comma_is_a_whole_clause() -> None:
    assert whole_clauses("If a tenant is out I leave a card through the door.") == [
        "I leave a card through the door"
    ]
    assert whole_clauses("If I'm late I ring the office from the van.") == [
        "I ring the office from the van"
    ]


def test_a_clause_cut_before_its_verb_is_not_a_quote() -> None:
    text = "I'd know it worked if the tenant and the owner both signed the form."
    assert not any(c.endswith("if the tenant") for c in whole_clauses(text))
    text = "I'd call the owner straight away and say exactly which room was damaged."
    assert not any(c.endswith("exactly") for c in whole_clauses(text))


def test_a_walk_through_of_what_you_do_is_a_procedure() -> None:
    assert question_style(q("Walk me through what you do when a delivery is late.")) == "procedure"
    assert question_style(q("Walk me through what you would do if a delivery was late.")) != (
        "procedure"
    )


def test_i_dont_know_is_the_candidates_own_not_a_word_of_the_answer() -> None:
    answer = "Queues stop working when the tickets are mislabelled, because agents then don't know."
    assert judge(answer).kind is not AnswerKind.DONT_KNOW
    assert judge("Honestly, I'm not sure.").kind is AnswerKind.DONT_KNOW


def test_vivid_small_talk_is_off_topic_and_not_a_clarification() -> None:
    holiday = (
        "That reminds me of my holiday in Spain last summer. We watched the football every "
        "night in a bar by the beach."
    )
    assert judge(holiday).kind is AnswerKind.OFF_TOPIC
    weather = "Can I just say the weather has been awful all week? It hasn't stopped raining."
    assert judge(weather).kind is AnswerKind.OFF_TOPIC


def test_a_reply_to_a_follow_up_goes_on_with_the_candidates_story() -> None:
    story = "Our courier lost a parcel with a birthday cake in it last spring, I remember."
    reply = "She got the cake back in time for the party and came back the next week."
    assert judge(reply, earlier=(story,)).kind is AnswerKind.ANSWER


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("Talk me through a delivery that went wrong for you.", "behavioural"),
        ("Give me an example of when you changed a customer's mind.", "behavioural"),
        (
            "A tenant calls at midnight about a leak. The landlord is away. What do you do?",
            "situational",
        ),
        ("What does a surge protector do that a fuse doesn't?", "knowledge"),
        ("What do you do when a parcel arrives damaged?", "procedure"),
        ("What's your approach if a tenant refuses to leave during a fire drill?", "situational"),
        ("What would your first step be if a guest fell ill?", "situational"),
        (
            "What would you do if you were given more rooms than you felt you could clean?",
            "situational",
        ),
    ],
)
def test_everyday_wordings_of_each_kind(text: str, style: str) -> None:
    assert question_style(q(text)) == style


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("A helmet protects you from head injuries.", Aspect.WHY),
        ("It also means nobody is singled out.", Aspect.MECHANISM),
        ("It takes ten minutes longer, but it saves a second trip.", Aspect.TRADE_OFF),
        ("Email is quicker for them, but a call is warmer.", Aspect.TRADE_OFF),
        ("I'd know I'd done it right if the owner signed off the job.", Aspect.CHECK),
        ("The safe range is roughly between two and eight degrees.", Aspect.MECHANISM),
        ("It's under thirty milliamps for a socket circuit.", Aspect.MECHANISM),
        ("I sweep everything up and lock the back door.", Aspect.STEPS),
        ("You forget the details, so the record isn't reliable.", Aspect.MECHANISM),
    ],
)
def test_more_plain_words_cover_their_part(text: str, aspect: Aspect) -> None:
    assert aspect in covered_aspects(text)


def test_a_hint_is_never_said_twice_even_when_three_questions_want_one() -> None:
    said: list[str] = []
    for text in (
        "What's the first thing you check on a ladder?",
        "What is a ladder's duty rating?",
        "Why do ladders have a weight limit?",
    ):
        said.append(hint_for(q(text), said)[0])
    assert len(set(said)) == 3


def test_a_transition_never_runs_on_into_the_candidates_next_word() -> None:
    said = Turn(3, "participant", "A late report is weaker as evidence.", 10, 20)
    context = VoiceContext(make_plan(), (said,), seed="s")
    templates = ("What you said about {phrase} is noted.", "Thanks for explaining {phrase}.")
    assert _not_running_on(templates, "a late report", context) == [templates[1]]


def test_a_phrase_before_an_adverb_or_a_comparison_is_not_whole() -> None:
    assert not is_whole_quote("the spare keys", "We keep the spare keys together with the log.")
    assert not is_whole_quote("the night bus", "I'd take the night bus rather than a taxi.")
    assert is_whole_quote("the night bus", "I'd take the night bus, not a taxi.")


def test_a_quote_is_whole_in_every_answer_that_holds_its_words() -> None:
    earlier = "Once a month I print overdue notices two days before the book sale."
    # "overdue notices" stops mid-phrase in the earlier answer ("… notices two days …")
    assert not whole_wherever_said("I print overdue notices for the branch", [earlier])
    assert whole_wherever_said("I print overdue notices for the branch", ["I shelve returns."])
    # words shared only as function words, or whole where they stand, do not count
    assert whole_wherever_said("I post the book sale flyers", ["I sort out the book sale."])
    assert whole_wherever_said("I check it in the morning", [earlier])


def test_a_short_answer_saying_what_it_is_is_an_answer_not_a_change_of_subject() -> None:
    # a knowledge answer may share no word with the question: "it" is the question's subject
    reply = "It's the slip we put on the shelf so nobody else borrows the book."
    assert judge(reply).kind is not AnswerKind.OFF_TOPIC
    assert judge("They're the forms we fill in when a seedling tray goes out.").kind is not (
        AnswerKind.OFF_TOPIC
    )
    # a longer turn that opens on "it's" is still read as a whole
    drift = (
        "It's been raining here all week and my garden is flooded. The dog hates the mud and "
        "the neighbours keep knocking about the fence."
    )
    assert judge(drift).kind is AnswerKind.OFF_TOPIC
