"""Independent checks of one interview: written here from the issue's words, not from the
interviewer's code (nothing is imported from `vivavoce.interviewer`), so the engine's own
rules cannot mark their own homework.

Each check reads a `Conversation` — the turns as stored, every AI turn with the move the
code chose, every candidate turn with what the script meant by it (`label`) and the parts
of a complete answer it covered (`covers`) — and returns the offending turns, so a figure
can always be traced to a line of the transcript.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

NEAR_COPY = 0.8


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# fmt: off
STOP = _word_set(
    """
    a an the my our your their his her its this that these those some any each every no of to
    for in on at by with from into onto about as than like over under after before between and
    or but so because if then when while which who whom whose where what how why is are was were
    be been being am have has had do does did will would can could should may might must shall
    i you he she it we they me him us them not very really just also too quite i'm i've i'd i'll
    you're you've you'd you'll it's that's there's we're we've they're don't didn't doesn't
    isn't wasn't up down out off again now there here all both one more most
    myself yourself himself herself itself ourselves themselves
    """
)
# Words of an interviewer's stock phrases: a transition made only of them has heard nothing.
STOCK = _word_set(
    """
    thank thanks walk walking through move moving next question questions explain explaining
    detail point note noted say said share sharing clear understood understand good picture let
    let's get started turn something different another topic ask final last wrap wrapping
    before finish okay right fine fair enough all well great interesting sure
    """
)
# Words after which a quote is never complete: it would stop mid-phrase.
DANGLING = _word_set(
    """
    a an the my our your their his her its this that these those some any each every of to for
    in on at by with from into onto about as than and or but so because if when while which who
    is are was were be been am have has had do does did will would can could should not very
    kind sort never always often usually also still even ever just only really
    """
)
# Words that begin a new phrase after a complete one: prepositions and common verbs.
BOUNDARY = _word_set(
    """
    within without across during until since against around through toward towards behind
    beside beyond near per via among upon whether although though unless once
    made took gave got went came ran sent kept left told found thought felt knew saw put set
    began brought built bought caught chose drove fell held led lost met paid rang sold spoke
    stood taught won wrote say go come make take give get keep tell find think feel know see
    need want use help work call ask try start stop pay send bring
    cost mean matter happen seem look stay
    """
)
PROBE_WORDS = _word_set(
    """
    go wrong happen handle practice step exactly first next trade-off tradeoff compared way
    doing situation stake outcome turn tell know weeks later worked matter matters reason
    underneath actually change time budget plan differently looking change instead example
    """
)
# fmt: on
OBJECT_PRONOUNS = _word_set("you me him us them")
_PRONOUN_BACK = {
    "you": {"i", "me", "we", "us"},
    "your": {"my", "our"},
    "yours": {"mine", "ours"},
    "yourself": {"myself", "ourselves"},
    "you're": {"i'm", "we're"},
    "you've": {"i've", "we've"},
    "you'd": {"i'd", "we'd"},
    "you'll": {"i'll", "we'll"},
    "were": {"was"},
    "are": {"am"},
}
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'\u2019-]*[a-z0-9]|[a-z0-9]")


def tokens(text: str) -> list[str]:
    return [t.replace("\u2019", "'") for t in _TOKEN.findall(text.lower())]


def stem(word: str) -> str:
    for suffix in ("ingly", "ing", "ied", "ies", "ed", "es", "ly", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    return {stem(t) for t in tokens(text) if t not in STOP and len(t) > 2}


def overlap(a: str, b: str) -> float:
    left, right = content_words(a), content_words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def last_question_sentence(text: str) -> str:
    asked = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.endswith("?")]
    return asked[-1] if asked else text


@dataclass(frozen=True)
class Turn:
    speaker: str  # "ai" | "participant"
    text: str
    move: str | None = None  # AI turns: the move the code chose (as stored)
    question: int | None = None  # the question on the table (its position), when known
    label: str | None = None  # candidate turns: answer, dont_know, off_topic, clarify, ...
    covers: frozenset[str] = frozenset()


@dataclass
class Conversation:
    role: str
    candidate: str
    question_texts: tuple[str, ...]
    question_kinds: tuple[str, ...]
    max_follow_ups: int
    turns: list[Turn] = field(default_factory=list)
    completed: bool = False
    first_word_ms: list[float] = field(default_factory=list)
    last_word_ms: list[float] = field(default_factory=list)

    def ai(self) -> list[tuple[int, Turn]]:
        return [(i, t) for i, t in enumerate(self.turns) if t.speaker == "ai"]


# --- repeats -------------------------------------------------------------------------------


def repeats(conversation: Conversation) -> list[tuple[int, int]]:
    """Pairs of AI turns that are near copies (content-word overlap ≥ 0.8), or follow-ups
    whose question is a near copy of an earlier one. A repeat the candidate asked for is not
    one."""
    spoken = [(i, t) for i, t in conversation.ai() if t.move != "repeat"]
    found: list[tuple[int, int]] = []
    for n, (i, turn) in enumerate(spoken):
        for j, earlier in spoken[:n]:
            same = overlap(turn.text, earlier.text) >= NEAR_COPY
            probes = {turn.move, earlier.move} <= {"follow_up", "hint"}
            same_probe = probes and (
                overlap(last_question_sentence(turn.text), last_question_sentence(earlier.text))
                >= NEAR_COPY
            )
            if same or same_probe:
                found.append((j, i))
    return found


# --- quotes ----------------------------------------------------------------------------------


def _same_word(ai_word: str, said: str) -> bool:
    return ai_word == said or said in _PRONOUN_BACK.get(ai_word, set())


def _runs(ai_words: Sequence[str], source: Sequence[str]) -> list[tuple[int, int, int]]:
    """Maximal common runs (start in ai_words, start in source, length) of ≥ 2 words."""
    found: list[tuple[int, int, int]] = []
    for a in range(len(ai_words)):
        for s in range(len(source)):
            if a and s and _same_word(ai_words[a - 1], source[s - 1]):
                continue  # not maximal on the left
            length = 0
            while (
                a + length < len(ai_words)
                and s + length < len(source)
                and _same_word(ai_words[a + length], source[s + length])
            ):
                length += 1
            if length >= 2:
                found.append((a, s, length))
    return found


def _is_quote(words: Sequence[str]) -> bool:
    """At least two of the words are the candidate's own: neither function words nor the
    words interviewers ask with ("what could go wrong with …")."""
    own = [w for w in words if w not in STOP and w not in STOCK and w not in PROBE_WORDS]
    return len(own) >= 2


def _punctuated_after(source_text: str, words: Sequence[str]) -> bool:
    pattern = r"\W+".join(re.escape(w) for w in words)
    return bool(re.search(rf"\b{pattern}\s*[.,;:!?)\u2014\u2013\"-]", source_text.lower()))


def _cut(words: Sequence[str], source: Sequence[str], at: int, source_text: str) -> bool:
    """A quote is cut when it ends on a word that needs more (a determiner, a preposition,
    "kind"), stops inside a run of nouns ("the patient" of "the patient handover"), or stops
    before the object of its last word ("the customer contacts" of "… contacts you")."""
    if words[-1] in DANGLING:
        return True
    after = at + len(words)
    if after >= len(source) or _punctuated_after(source_text, words):
        return False
    following = source[after]
    if following in OBJECT_PRONOUNS:  # "the customer contacts" of "… contacts you": a verb
        return True
    phrase_ends = following in STOP or following in BOUNDARY
    return not (phrase_ends or following.endswith(("ed", "ing", "ly", "s")))


def quotes(conversation: Conversation) -> list[tuple[int, str, bool]]:
    """Every run of an AI turn taken from the candidate's earlier words (pronouns turned
    around), leaving out words the interviewer itself had said first (the question, an
    earlier AI turn): (AI turn, quote, cut?)."""
    found: list[tuple[int, str, bool]] = []
    for i, turn in conversation.ai():
        said_by_ai = " ".join(
            [
                *conversation.question_texts,
                *(t.text for t in conversation.turns[:i] if t.speaker == "ai"),
            ]
        )
        ai_said_before = tokens(said_by_ai)
        ai_words = tokens(turn.text)
        for candidate in (t for t in conversation.turns[:i] if t.speaker == "participant"):
            source = tokens(candidate.text)
            for a, s, length in _runs(ai_words, source):
                words = ai_words[a : a + length]
                if not _is_quote(words) or _inside(words, ai_said_before):
                    continue
                found.append(
                    (i, " ".join(words), _cut(source[s : s + length], source, s, candidate.text))
                )
    return found


def _inside(words: Sequence[str], text_words: Sequence[str]) -> bool:
    width = len(words)
    return any(
        list(text_words[k : k + width]) == list(words) for k in range(len(text_words) - width + 1)
    )


def cut_quotes(conversation: Conversation) -> list[tuple[int, str]]:
    return [(i, quote) for i, quote, cut in quotes(conversation) if cut]


# --- transitions ----------------------------------------------------------------------------


def transitions(conversation: Conversation) -> list[tuple[int, bool]]:
    """Each move on (a new question or the wrap-up) right after an answer of substance (not
    one the script labelled `vague`, "it depends, really", which has nothing to name): (AI turn,
    whether it names a content word of that answer, beyond the next question's own words
    and the stock words of transitions)."""
    found: list[tuple[int, bool]] = []
    for i, turn in conversation.ai():
        if turn.move not in ("ask", "wrap_up") or i == 0:
            continue
        previous = conversation.turns[i - 1]
        if previous.speaker != "participant" or previous.label != "answer":
            continue
        said = turn.text
        for question in conversation.question_texts:
            said = said.replace(question, " ")
        heard = (content_words(said) - {stem(w) for w in STOCK}) & content_words(previous.text)
        found.append((i, bool(heard)))
    return found


# --- probes ---------------------------------------------------------------------------------

PAST_EXAMPLE = re.compile(
    r"\b(?:tell me about a time|a time when|an? (?:real|specific) (?:example|case) from|"
    r"what happened|how did (?:it|that|things) turn out|what was the (?:outcome|result)|"
    r"what did you (?:do|say|learn)|looking back|in your (?:last|previous) (?:job|role))\b"
)
HYPOTHETICAL_PLAN = re.compile(
    r"\b(?:how would you (?:design|build|architect|scale|set up)|ten times|twice as much|"
    r"failure mode|what would you do if|imagine|suppose|half the (?:time|budget))\b"
)
DESIGN_PROBE = re.compile(
    r"\b(?:how would you (?:design|build|architect|scale|set up)|ten times|twice as much|"
    r"failure mode|half the (?:time|budget))\b"
)
GENERIC = re.compile(r"\b(?:could you (?:expand|elaborate|say more)|tell me more|go on)\b")
# Which part of a complete answer a probe asks for, per kind of question.
ASKS_FOR: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    "behavioural": (
        ("situation", re.compile(r"\b(?:situation|at stake|set the scene|context)\b")),
        ("action", re.compile(r"\b(?:yourself|personally|your own (?:part|role)|which part)\b")),
        ("result", re.compile(r"\b(?:turn(?:ed)? out|outcome|result|how could you tell)\b")),
    ),
    "design": (
        ("failure", re.compile(r"\b(?:go wrong|fail\w*|break\w*)\b")),
        ("tradeoff", re.compile(r"\b(?:trade-?off|giving up|give up|alternative|compared with)\b")),
        ("approach", re.compile(r"\b(?:in practice|how exactly|step by step)\b")),
    ),
    "situational": (
        ("reasoning", re.compile(r"\b(?:that order|why|right first move|rather than)\b")),
        ("check", re.compile(r"\b(?:how would you know|had worked|how will you know)\b")),
        ("first_step", re.compile(r"\b(?:do first|first step|very first)\b")),
    ),
    "procedure": (
        (
            "steps",
            re.compile(
                r"\b(?:first thing you do|steps you follow|comes after|in order|"
                r"step by step|what do you do first)\b"
            ),
        ),
        (
            "verify",
            re.compile(
                r"\b(?:make sure|done right|went as it should|how do you know|"
                r"how would you know|how can you tell)\b"
            ),
        ),
        ("why", re.compile(r"\b(?:why|reason)\b")),
    ),
    "knowledge": (
        ("mechanism", re.compile(r"\b(?:underneath|mechanism|actually works?|how does)\b")),
        ("why", re.compile(r"\b(?:why does|reason it matters|why)\b")),
    ),
}


def asked_for(kind: str, text: str) -> str | None:
    """The part a probe (its last question sentence) asks for, or None."""
    lowered = last_question_sentence(text).lower()
    for part, pattern in ASKS_FOR.get(kind, ()):
        if pattern.search(lowered):
            return part
    return None


def misfit(kind: str, text: str, covered: Iterable[str]) -> str | None:
    """Why a follow-up does not fit, or None: a past example on a hypothetical question, a
    hypothetical plan on a behavioural one, a generic "could you expand", or a part the
    candidate's answers to this question already covered."""
    lowered = text.lower()
    if kind in ("design", "situational") and PAST_EXAMPLE.search(lowered):
        return "past example on a hypothetical question"
    if kind == "behavioural" and HYPOTHETICAL_PLAN.search(lowered):
        return "hypothetical plan on a behavioural question"
    if kind == "knowledge" and PAST_EXAMPLE.search(lowered):
        return "past example on a knowledge question"
    if kind == "procedure" and DESIGN_PROBE.search(lowered):
        return "hypothetical design on a question about how they work"
    if GENERIC.search(lowered):
        return "generic probe"
    part = asked_for(kind, text)
    if part is not None and part in set(covered):
        return f"asks for {part}, already covered"
    return None


def probe_misfits(conversation: Conversation) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    covered: dict[int, set[str]] = {}
    for i, turn in enumerate(conversation.turns):
        if turn.question is None:
            continue
        if turn.speaker == "participant":
            covered.setdefault(turn.question, set()).update(turn.covers)
            continue
        if turn.move != "follow_up":
            continue
        kind = conversation.question_kinds[turn.question]
        why = misfit(kind, turn.text, covered.get(turn.question, set()))
        if why:
            found.append((i, why))
    return found


# --- off topic, clarifications, talk to the scorer ------------------------------------------

FITTING_REPLY = {"off_topic": "redirect", "to_scorer": "redirect", "clarify": "clarify"}


def steered_replies(conversation: Conversation) -> list[tuple[int, bool]]:
    """Each off-topic turn, clarification request or turn addressed to the scorer (by the
    script's label): (its turn, whether the interviewer's next move fits it — a steer back
    for off topic and scorer talk, a clarification for a clarifying question — rather than
    taking it as an answer)."""
    found: list[tuple[int, bool]] = []
    for i, turn in enumerate(conversation.turns[:-1]):
        wanted = FITTING_REPLY.get(turn.label or "")
        if wanted is None or turn.question is None:
            continue
        reply = conversation.turns[i + 1]
        found.append((i, reply.speaker == "ai" and reply.move == wanted))
    return found


# --- "I don't know", follow-ups, closing ---------------------------------------------------

PENALTY = re.compile(r"\b(?:unfortunately|that's a shame|disappoint\w*|you should know|pity)\b")


def dont_know_replies(conversation: Conversation) -> list[tuple[int, bool]]:
    """Each first "I don't know" on a question: (its turn, whether the interviewer answered
    it with a hint — a narrower angle — kindly, rather than moving on)."""
    found: list[tuple[int, bool]] = []
    seen: set[int] = set()
    for i, turn in enumerate(conversation.turns[:-1]):
        if turn.label != "dont_know" or turn.question is None or turn.question in seen:
            continue
        seen.add(turn.question)
        reply = conversation.turns[i + 1]
        kind = reply.speaker == "ai" and reply.move == "hint"
        found.append((i, kind and not PENALTY.search(reply.text.lower())))
    return found


def follow_ups_per_question(conversation: Conversation) -> dict[int, int]:
    counts: dict[int, int] = {}
    for _, turn in conversation.ai():
        if turn.move == "ask" and turn.question is not None:
            counts.setdefault(turn.question, 0)
        if turn.move == "follow_up" and turn.question is not None:
            counts[turn.question] = counts.get(turn.question, 0) + 1
    return counts


CLOSING = re.compile(r"\b(?:goodbye|next steps|be in touch|thank you)\b", re.IGNORECASE)


def closed_properly(conversation: Conversation) -> bool:
    """A completed interview ends on the interviewer's closing line: a closing move that
    thanks the candidate or says what happens next."""
    ai = conversation.ai()
    if not ai:
        return False
    last = ai[-1][1]
    return last.move == "close" and bool(CLOSING.search(last.text))
