"""Listening to an answer: what kind of question it was, what the answer covered, what to ask.

Pure and explainable: every choice below is a rule a person can read.

1. **The question's kind** (`question_style`) from its wording: hypothetical design ("How
   would you make …", "design"), situational ("Imagine …", "What would you do if …"),
   behavioural ("Tell me about a time …", "Describe a situation …"), knowledge ("What is …",
   "Explain …", "How does … work"), motivation ("Why …", "What draws you …"); the planner's
   own kind decides when the wording says nothing.
2. **What the answer covered** (`read_answer`): each kind has the parts a complete answer has
   (`PARTS`) — situation / own action / result for a behavioural question; the approach, a
   failure mode, a trade-off and scale for a design; first steps, reasons, risks and how
   they would know for a situational one; the mechanism and the why for knowledge; the draw
   and the goal for motivation — each recognised by plain phrases (`COVERED`) or by the
   answer's grammar (`answer_shape`: who acts in which tense, how the clauses join). A
   behavioural answer told in "we" with no first-person action lacks the candidate's own role.
3. **The probe** (`choose_probe`): the first part the answer lacks that no earlier follow-up
   on this question asked about; for a complete answer, one level deeper (`DEEPER`: a
   reflection, a changed constraint, how they would know, when it stops working). The probe
   is worded role-neutrally from the answer's own noun phrases — no "scale" or "queue" for a
   nurse unless the nurse said it — and is never a near copy of an earlier AI turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from vivavoce.interviewer.answer_shape import question_shape, shape_aspects
from vivavoce.interviewer.plan import PlannedQuestion, words
from vivavoce.interviewer.wording import (
    contains,
    near_copy,
    noun_phrases,
    quotable,
    whole_clauses,
)

QuestionStyle = Literal[
    "design", "situational", "behavioural", "procedure", "knowledge", "motivation"
]
HYPOTHETICAL: frozenset[QuestionStyle] = frozenset({"design", "situational"})


class Aspect(StrEnum):
    SITUATION = "situation"
    OWN_ACTION = "own_action"
    RESULT = "result"
    OWN_ROLE = "own_role"
    APPROACH = "approach"
    FAILURE = "failure"
    TRADE_OFF = "trade_off"
    SCALE = "scale"
    CONSTRAINT = "constraint"
    FIRST_STEP = "first_step"
    REASONING = "reasoning"
    RISK = "risk"
    CHECK = "check"
    MECHANISM = "mechanism"
    WHY = "why"
    EDGE = "edge"
    DRAW = "draw"
    GOAL = "goal"
    REFLECTION = "reflection"
    STEPS = "steps"
    VERIFY = "verify"
    EXCEPTION = "exception"


# --- 1. the question's kind ---------------------------------------------------------------

_STYLE_PATTERNS: tuple[tuple[QuestionStyle, str], ...] = (
    (
        "motivation",
        r"\b(?:what draws you|why (?:do|did|would) you want|why this|motivat(?:es|ion)? you|"
        r"your motivation|(?:stay|keeps? you) motivated|"
        r"what (?:do|would) you (?:hope|want) to (?:achieve|get)|what are you looking for)\b",
    ),
    (
        "behavioural",
        r"\b(?:tell me about (?:a|the|one|something|an?) (?:time|occasion|situation|"
        r"moment|piece of work|project|recent|most|specific|case|mistake|decision|example|"
        r"\w+ (?:time|situation|piece of work|project|occasion))|describe a (?:time|situation|"
        r"moment)|give me an example of a time|think of a time|have you ever|walk me through (?:a|"
        r"the|one) (?:time|piece of work|project|real|specific|situation)|"
        r"tell me about\b|describe (?:a|an|the|one)\b.{0,60}\byou\b|"
        # a request for a story about something that happened to them: "Talk me through a
        # fault that took you …", "Give me an example of when you helped …"
        r"(?:walk|talk|take) me through (?:a|an|one|the) \w+(?: \w+)? (?:that|when|where|you)\b|"
        r"(?:example|instance) of (?:when|where|how) you\b)",
    ),
    (
        "situational",
        r"\b(?:imagine|suppose|picture this|let'?s say|what would you do if|"
        r"what would you (?:do|say|change|improve|focus)|"
        r"how would you (?:handle|respond|react|deal)|"
        r"if you (?:were|had|joined|found)|"
        # a scenario, then "What do you do?" at its end
        r"what (?:do|would|should) you do\?\s*$|"
        # a scene told first, then "What do you do first/next?"
        r"[.!]\s+what (?:do|would|should) you do (?:first|next|now|then)\?\s*$|"
        r"what(?:'s| is| would be) your (?:approach|first step|first move|response|reaction) "
        r"(?:if|when)|what would your (?:first step|first move|response|reaction) be)",
    ),
    (
        "design",
        r"\b(?:how would you (?:design|build|make|architect|structure|set up|organi[sz]e|"
        r"plan|scale|approach|implement|run|improve|go about)|design an?\b|how (?:could|should) "
        r"(?:we|you|one) (?:design|build|make))",
    ),
    (
        "procedure",
        r"\b(?:how do you (?!think\b|feel\b|know\b|define\b|see\b|decide\b|mean\b|stay\b|"
        r"cope\b|like\b|rate\b|describe\b|measure\b|approach\b)\w+|"
        r"what steps|which steps|(?:walk|talk|take) me through (?:how|what) you (?!would\b|'d\b)|"
        r"what(?:'s| is) your (?:process|routine|procedure) (?:for|when|to|before|after)|"
        r"what do you (?:do|check|look at) (?:when|before|after|if|first|to make sure))",
    ),
    (
        "knowledge",
        r"\b(?:what is|what are|what's the difference|what does|explain|how does|how do .{1,40} "
        r"work|why (?:does|do|is|are)|when would you use|what happens when|how do you decide)\b",
    ),
)
_PLANNED_STYLE: dict[str, QuestionStyle] = {
    "opening": "behavioural",
    "behavioural": "behavioural",
    "situational": "situational",
    "motivation": "motivation",
    "technical": "behavioural",  # the planner's skill questions ask about real work
    "bank": "knowledge",
}


def question_style(question: PlannedQuestion) -> QuestionStyle:
    """The kind of question `question` is, from its wording; else from the planner's kind."""
    text = question.text.lower()
    for style, pattern in _STYLE_PATTERNS:
        if re.search(pattern, text):
            return style
    return question_shape(text) or _PLANNED_STYLE.get(question.kind, "knowledge")


# --- 2. what the answer covered ---------------------------------------------------------------

_PAST_ACTION = (
    r"\bI(?:'ve| have| had)? (?:\w+ly |then |also |first |finally |just |personally )?"
    r"(?:\w+ed|built|wrote|led|ran|made|took|chose|drove|set|found|brought|began|cut|kept|spent|"
    r"taught|put|got|did|gave|sold|won|met|told|went|rewrote|broke|caught|held|paid|sent|split|"
    r"thought|spoke|stood|became|knew|saw|sat|fixed|rang|sought|fed|dealt|felt|left|read)\b"
)
COVERED: dict[Aspect, str] = {
    Aspect.SITUATION: r"\b(?:once|one (?:time|day|night|shift)|last (?:year|month|week|quarter|"
    r"spring|summer|autumn|winter|shift)|at my (?:last|previous|current|old|first)|in my (?:last|"
    r"previous|current|first|old)|when i (?:was|worked|joined|started)|there was (?:a|an|one)|"
    r"we had (?:a|an)|i had (?:a|an)|in (?:19|20)\d\d|years? ago|recently|during (?:a|my|the)|"
    r"(?:at|in) the \w+ where (?:i|we) (?:worked|was|were)|when (?:i|we|my|our|a|the) (?:\w+ ){0,2}"
    r"(?:\w+ed|was|were|had|came|went|got|took|left|fell|began))\b",
    Aspect.OWN_ACTION: _PAST_ACTION,
    Aspect.RESULT: r"\b(?:as a result|result(?:ed|s)?|outcome|in the end|turned out|ended up|"
    r"afterwards|since then|which meant|led to|so (?:they|she|he|we|the)|thanked|calmed|"
    r"recovered|(?:reduced|increased|improved|saved|cut|grew|doubled|halved|dropped|fell|rose|"
    r"shipped|launched|delivered|closed|won|finished|solved|resolved|fixed)\b)|"
    # what came of it, told by when: "a week later …", "the next week she came back …"
    r"\b(?:(?:a|an|\w+) (?:minutes?|hours?|days?|weeks?|months?) later|the next (?:day|week|"
    r"month|morning|lesson|shift|time)|after (?:a|an|that|\w+) (?:days?|weeks?|months?)|"
    r"within (?:a|an|the|\w+) (?:hours?|days?|weeks?)|ever since|from then on|eventually)\b",
    Aspect.APPROACH: r"\b(?:i'?d|i would|i will|i'?ll|we'?d|we would|my approach|the way i|"
    r"start(?:ing)? (?:by|with)|first,? i|(?:it|the \w+|each \w+) (?:sends|stores|keeps|checks|"
    r"returns|writes|reads|uses|records|looks up|compares|rejects|gets))\b",
    Aspect.FAILURE: r"\b(?:fail\w*|outage|goes down|go down|went down|crash\w*|retr(?:y|ies)|"
    r"time ?outs?|errors?|break\w*|go(?:es)? wrong|went wrong|duplicates?|fallback|recover\w*|"
    r"backups?|roll ?back|if .{0,40}(?:doesn'?t|does not|isn'?t|can'?t|never))\b",
    Aspect.TRADE_OFF: r"\b(?:trade-?offs?|instead of|rather than|alternatives?|versus|vs\.?|"
    r"compared (?:to|with)|downsides?|the cost|on the other hand|the catch|at the expense|"
    r"but (?:it|that|this) (?:\w+ )?(?:is|means|costs|would|saves|takes|gives|makes|catches|"
    r"avoids)|(?:faster|slower|cheaper|quicker|longer|shorter|easier|harder|safer|more \w+)"
    r"\b[^.]{0,40}\bbut\b)\b",
    Aspect.SCALE: r"\b(?:scal\w+|load|traffic|volume|peak|throughput|capacity|busy|busier|rush|"
    r"per (?:second|minute|hour|day|shift)|thousands?|millions?|(?:more|many) (?:users|customers|"
    r"patients|orders|requests|calls))\b",
    Aspect.CONSTRAINT: r"\b(?:budget|deadline|constraints?|limited|less time|with only|"
    r"if (?:we|i) had)\b",
    Aspect.FIRST_STEP: r"\b(?:first|start (?:by|with)|begin (?:by|with)|straight away|right away|"
    r"immediately|step one|i(?:'d| would) (?:\w+ly )?(?!try\b|do my best\b|just\b)\w+)\b",
    Aspect.REASONING: r"\b(?:because|so that|since|the reason|that way|in order to|which (?:means|"
    r"lets|helps))\b",
    Aspect.RISK: r"\b(?:risks?|could go wrong|worr\w+|watch out|careful|go(?:es)? wrong|"
    r"fail\w*|backup plan|escalat\w+)\b",
    Aspect.CHECK: r"\b(?:check(?![- ]?(?:out|in)\b)\w*|measur\w+|track\w*|monitor\w*|"
    r"follow(?:ing)?[- ]up|confirm\w*|"
    r"verif\w+|feedback|metrics?|know (?:it|that|if|whether)|make sure|test\w*|"
    r"(?:i|we|you)(?:'d| would| will|'ll) know|(?:i|we|you) (?:can|could|would) tell)\b",
    Aspect.MECHANISM: r"\b(?:works by|under the hood|maps?|by (?:matching|weighting|comparing|"
    r"counting|checking|reading)|(?:is|are) (?:the|a|an) (?:share|separate|sorted|measure|count|"
    r"number|list|record)|it (?:stores|sends|keeps|checks|compares|reads|counts|"
    r"uses|means|looks)|which (?:means|lets|stores|sends)|so that|each (?:time|request|patient|"
    r"order|customer|call)|every (?:time|request)|when .{3,60}, (?:it|the|we|i|you)|"
    # a definition says what it is: "it's about solving …", "it means …", "it's when …"
    r"(?:it|that|this)(?:'s| is) (?:about|when|where|whether|how) \w+|"
    r"(?:it|that|this) (?:also |just |simply |really )?(?:means|refers to|describes|measures|"
    r"counts|tells you|shows)|"
    # … or what follows from it: "details get lost", "you forget things, so the report …"
    r"\bgets? (?:lost|mixed up|confused|worse|blurred|missed)|, so (?:the|it|you|they|a|an|"
    r"there|nobody|no one)\b|"
    # … or gives its value or range: "it's between five and sixty-three degrees", "the limit
    # is about thirty milliamps"
    r"^\W*(?:it|that|this|the [\w-]+(?: [\w-]+)?)(?:'s| is| are) (?:roughly |about |around |"
    r"usually |basically |just |normally )?(?:between|from|under|over|above|below|up to|"
    r"at least|at most|\d)|"
    # … or names the thing first: "overbooking means taking …", "a folio is when …"
    r"^\W*(?:an? |the )?[\w-]+(?: [\w-]+)? (?:means|refers to|is when|is where|is the practice)|"
    # … or "it's the scale nurses use to sort …": a thing and what it is for, not a category
    r"^\W*(?:it|that|this)(?:'s| is) (?:the|a|an) (?!(?:procedure|rule|rules|thing|way|part|"
    r"kind|sort|one|metric|number|process|policy|law|job|idea|standard|requirement|practice|"
    r"protocol|important|good|bad|big)\b)\w+ (?:[\w'-]+ ){2,})\b",
    Aspect.WHY: r"\b(?:because|so that|since|the reason|in order to|to make sure|it'?s to|"
    r"protects? (?:\w+ )?(?:from|against)|prevents?|(?:to|it) avoids?|keeps? \w+ safe|"
    r"(?:it|that) matters|which (?:means|lets|helps))\b",
    Aspect.EDGE: r"\b(?:edge cases?|except|unless|doesn'?t work when|breaks when|limitations?|"
    r"when not to|stops? (?:making sense|working|helping|being)|(?:doesn'?t|does not|no longer) "
    r"make sense|the (?:one|only) time|the exception)\b",
    Aspect.DRAW: r"\b(?:because|i (?:really )?(?:enjoy|love|like|care)|draws me|excit\w+|"
    r"interest\w*|passion\w*|matters to me|motivat\w+)\b",
    Aspect.GOAL: r"\b(?:a year|months?|goals?|achieve\w*|hope to|want to|would like to|aim\w*|"
    r"grow\w*|learn\w*|become)\b",
    Aspect.REFLECTION: r"\b(?:differently|learn(?:ed|t)|lessons?|looking back|in hindsight|"
    r"next time|since then i)\b",
    # A procedure told in the present: its steps in order, or what "I" / "you" do each time.
    Aspect.STEPS: r"\b(?:first(?:ly)?,? (?:i|you|we)|then (?:i|you|we)|after that|next,? (?:i|you)|"
    r"finally|step (?:one|by step)|before (?:i|you|we) \w+|(?:i|you|we) (?:always |usually |"
    r"normally |then |first |also )?(?:check|ask|look|make sure|confirm|write|call|tell|start|"
    r"read|scan|count|label|record|log|pick|put|compare|match|open|note|go through|sign|wash|"
    r"prepare|lift|wrap|load|greet|listen|explain|escalate|hand|update|take|use))\b",
    Aspect.VERIFY: r"\b(?:check(?![- ]?(?:out|in)\b)\w*|double-check\w*|confirm\w*|verif\w+|"
    r"make sure|sign(?:s|ed)? "
    r"off|second (?:person|nurse|check)|count(?:s|ed)? (?:it|them|again)|test\w*)\b",
    Aspect.EXCEPTION: r"\b(?:unless|except|if (?:it|the|a|there|they|i|you) .{0,50}(?:then|i'?d|"
    r"i would|i stop|i call|i escalate)|when (?:it|that) (?:doesn'?t|does not)|edge cases?|"
    r"differently when|exceptions?|"
    # a case and what they do then: "If a guest disputes a charge, I check …"
    r"(?:if|when) (?:a|an|the|there|they|it|someone|anyone) [^.,;]{2,60}, (?:i|we|you) \w+)\b",
}
# What a complete answer to each kind of question has, in the order they are probed.
PARTS: dict[QuestionStyle, tuple[Aspect, ...]] = {
    "behavioural": (Aspect.SITUATION, Aspect.OWN_ACTION, Aspect.RESULT),
    "design": (Aspect.APPROACH, Aspect.FAILURE, Aspect.TRADE_OFF),
    "situational": (Aspect.FIRST_STEP, Aspect.REASONING, Aspect.CHECK),
    "procedure": (Aspect.STEPS, Aspect.WHY, Aspect.VERIFY),
    "knowledge": (Aspect.MECHANISM, Aspect.WHY),
    "motivation": (Aspect.DRAW, Aspect.GOAL),
}
# Parts a question names itself ("…, and why do teams track it?", "…, and when does it stop
# helping?") belong to a complete answer to it, whatever its kind.
_NAMED_IN_QUESTION: tuple[tuple[Aspect, str], ...] = (
    (Aspect.MECHANISM, r"\b(?:what (?:is|are)|what'?s|how does|how do .{1,40} work|explain)\b"),
    (Aspect.WHY, r"\bwhy\b"),
    (
        Aspect.EDGE,
        r"\bwhen (?:does|do|would|is|should|might) (?:it|that|this|they|one|you) (?:stop|not|"
        r"fail|break|no longer|be the wrong)|\bwhen not to\b|\blimitations?\b|\bdownsides?\b",
    ),
    (Aspect.FAILURE, r"\bwhat (?:could|can|might) go wrong\b"),
    (Aspect.TRADE_OFF, r"\btrade-?offs?\b"),
    (Aspect.CHECK, r"\bhow (?:would|will|could) you (?:know|tell|measure)\b"),
)
# Which parts a question may name for itself, per kind (a "why" in a behavioural question
# asks for the situation's reasons, which its own parts already hold).
_NAMEABLE: dict[QuestionStyle, frozenset[Aspect]] = {
    "knowledge": frozenset({Aspect.MECHANISM, Aspect.WHY, Aspect.EDGE}),
    "procedure": frozenset({Aspect.WHY, Aspect.EDGE}),
    "design": frozenset({Aspect.FAILURE, Aspect.TRADE_OFF, Aspect.CHECK}),
    "situational": frozenset({Aspect.CHECK, Aspect.RISK}),
    "behavioural": frozenset(),
    "motivation": frozenset(),
}


def question_parts(question: PlannedQuestion) -> tuple[Aspect, ...]:
    """The parts a complete answer to `question` has: its kind's (`PARTS`), in the order the
    question names them when it names them, then the parts the question names besides."""
    style = question_style(question)
    text = question.text.lower()
    named = [
        (match.start(), aspect)
        for aspect, pattern in _NAMED_IN_QUESTION
        if aspect in _NAMEABLE[style] and (match := re.search(pattern, text))
    ]
    in_order = [aspect for _, aspect in sorted(named, key=lambda item: item[0])]
    if style == "knowledge":  # a knowledge question is about what it names, in its order
        return tuple(dict.fromkeys([*in_order, *PARTS[style]]))
    return tuple(dict.fromkeys([*PARTS[style], *in_order]))


# One level deeper for a complete answer: what a higher anchor asks for.
DEEPER: dict[QuestionStyle, tuple[Aspect, ...]] = {
    "behavioural": (Aspect.REFLECTION,),
    "design": (Aspect.SCALE, Aspect.CONSTRAINT),
    "situational": (Aspect.RISK,),
    "procedure": (Aspect.EXCEPTION,),
    "knowledge": (Aspect.EDGE,),
    "motivation": (),
}


class AnswerShape(StrEnum):
    STRONG = "strong"  # every part of a complete answer is there
    PARTIAL = "partial"  # some parts are there
    VAGUE = "vague"  # general words, no part recognisable
    WE_WITHOUT_ROLE = "we_without_role"  # "we did …" with no first-person action


@dataclass(frozen=True, slots=True)
class AnswerReading:
    style: QuestionStyle
    shape: AnswerShape
    covered: frozenset[Aspect]
    missing: tuple[Aspect, ...]
    quote: str | None  # a whole clause or noun phrase of the answer, never an unsure word
    phrase: str | None  # the answer's most telling noun phrase (for wording probes)
    parts: tuple[Aspect, ...] = ()  # what a complete answer to the question has, in order


# Past forms: a story told in the past has set a scene, whatever its words.
_PAST_FORM = re.compile(
    r"\b(?:was|were|had|did|didn'?t|wasn'?t|couldn'?t|came|went|got|took|left|fell|felt|told|"
    r"said|gave|made|found|kept|began|brought|sent|rang|saw|knew|thought|stood|sat|ran|lost|"
    r"broke|wrote|drove|rode|spoke|chose|caught|bought|paid|held|led|met|sold|won|ate|drank|woke|"
    r"wore|heard|meant|slept|spent|taught|understood|forgot|grew|threw|became|"
    r"[a-z]{3,}(?<!need)ed)\b",
    re.IGNORECASE,
)
# An action on something, at the start of a clause or after a list boundary: "I print the
# bill, take the payment and say goodbye" holds two. Two of them are steps in order.
_LISTED_ACTION = re.compile(
    r"(?:^|[,;]\s+|\band\s+|\bthen\s+)(?:then\s+)?(?:i\s+|you\s+|we\s+)?(?:then\s+)?"
    r"(?!(?:in|on|at|for|with|to|of|from|by|about|into|over|under|after|before|during|is|was|"
    r"are|be|it'?s|that'?s|think|feel|know|believe|guess|hope|want|like|try|have|has)\b)"
    r"[a-z]+\s+(?:the|a|an|their|them|it|my|your|his|her|our|this|that|everything|anything|"
    r"all|up|down|off|out|away)\b",
    re.IGNORECASE | re.MULTILINE,
)


def covered_aspects(text: str) -> frozenset[Aspect]:
    """The parts `text` covered: by its phrases (`COVERED`) or by its shape (`answer_shape`:
    who acts in which tense, how the clauses join)."""
    covered = {a for a, pattern in COVERED.items() if re.search(pattern, text, re.I)}
    covered |= {Aspect(name) for name in shape_aspects(text)}
    if len(_PAST_FORM.findall(text)) >= 2:
        covered.add(Aspect.SITUATION)
    if any(len(_LISTED_ACTION.findall(s)) >= 2 for s in re.split(r"(?<=[.!?])\s+", text)):
        covered.add(Aspect.STEPS)
    return frozenset(covered)


def _we_without_role(text: str) -> bool:
    lowered = text.lower()
    we = len(re.findall(r"\b(?:we|we'?ve|we'?d|our|us)\b", lowered))
    own = re.search(_PAST_ACTION, text) or re.search(r"\bmy (?:role|part|job|task)\b", lowered)
    return we >= 2 and not own


# A career fact ("I qualified in 2019", "I've worked on a respiratory ward since") is
# background, not something the candidate did that a probe could build on.
_CAREER_FACT = re.compile(
    r"^I(?:'ve| have| had|'d)? (?:been |always |also )?(?:qualified|graduated|studied|trained|"
    r"joined|worked|been working|been in|been at|spent|started (?:my|out|as|at|in)|moved)\b",
    re.IGNORECASE,
)


def career_fact(clause: str) -> bool:
    return bool(_CAREER_FACT.match(clause))


def read_answer(
    question: PlannedQuestion, text: str, unsure: Sequence[str] = (), skills: Sequence[str] = ()
) -> AnswerReading:
    """What `text`, an answer to `question`, covered and lacks, and what of it to quote."""
    style = question_style(question)
    covered = covered_aspects(text)
    parts = question_parts(question)
    missing = [a for a in parts if a not in covered]
    we_only = style == "behavioural" and _we_without_role(text)
    if we_only:
        missing = [Aspect.OWN_ROLE, *[a for a in missing if a is not Aspect.OWN_ACTION]]
    if we_only:
        shape = AnswerShape.WE_WITHOUT_ROLE
    elif not missing:
        shape = AnswerShape.STRONG
    elif len(missing) == len(parts):
        shape = AnswerShape.VAGUE
    else:
        shape = AnswerShape.PARTIAL
    every_clause = whole_clauses(quotable(text), unsure)
    background = [c for c in every_clause if career_fact(c)]
    phrases = noun_phrases(quotable(text), unsure)
    # "a respiratory ward" of "I've worked on a respiratory ward since" is background too
    phrases = [p for p in phrases if not any(p in c for c in background)] or phrases
    phrase = telling_phrase(phrases, skills)
    clauses = [c for c in every_clause if c not in background]
    quote = clauses[0] if clauses and len(clauses[0].split()) <= 12 else phrase
    return AnswerReading(style, shape, covered, tuple(missing), quote, phrase, parts)


_QUANTITIES = """zero one two three four five six seven eight nine ten eleven twelve fifteen
twenty thirty forty fifty sixty hundred hundreds thousand thousands million half quarter dozen
few couple percent per cent people persons times minutes minute hours hour days day weeks week
months month years year seconds pounds dollars euros quid bucks k"""
_QUANTITY_WORDS = frozenset(_QUANTITIES.split())


def _only_a_quantity(phrase: str) -> bool:
    """Whether the phrase is only an amount ("two people", "ten percent", "40 minutes"), not a
    thing the candidate talked about: a poor thing to say one has noted."""
    said = [w.strip(".,%$£€").lower() for w in phrase.split()]
    said = [w for w in said if w not in ("a", "an", "the", "about", "around", "over", "under")]
    return bool(said) and all(w.isdigit() or w in _QUANTITY_WORDS for w in said)


def telling_phrase(phrases: Sequence[str], skills: Sequence[str] = ()) -> str | None:
    """The phrase naming a skill, else the first with two content words or more (`an
    idempotency key` over `the client`) that is more than an amount ("two people"), else the
    first that is more than an amount, else the first."""
    lowered = [s.lower() for s in skills]
    for phrase in phrases:
        if any(skill in phrase.lower() for skill in lowered):
            return phrase
    things = [p for p in phrases if not _only_a_quantity(p)]
    ranked = [p for p in things if len(words(p)) >= 2] or things or list(phrases)
    return ranked[0] if ranked else None


# --- 3. the probe --------------------------------------------------------------------------

# Each probe: the words offline (about "that", which the lead has just named) and, for an LLM
# voice, the purpose in plain words ({phrase} is the candidate's phrase, or "their answer").
PROBES: dict[Aspect, tuple[tuple[str, str], str]] = {
    Aspect.SITUATION: (
        (
            "What was the situation, and what was at stake?",
            "Could you set the scene first: what was the situation, and what was at stake?",
        ),
        "ask what the situation was and what was at stake, about {phrase}",
    ),
    Aspect.OWN_ACTION: (
        (
            "What did you do yourself, step by step?",
            "Walk me through what you did yourself there, step by step.",
        ),
        "ask what they did themselves, step by step, about {phrase}",
    ),
    Aspect.RESULT: (
        (
            "How did it turn out, and how could you tell?",
            "What was the outcome in the end, and how could you tell?",
        ),
        "ask how {phrase} turned out and how they could tell",
    ),
    Aspect.OWN_ROLE: (
        (
            "Which part of that was yours, and what did you do personally?",
            "You've described what the group did. What did you do personally?",
        ),
        "they said 'we': ask which part of {phrase} was theirs and what they did personally",
    ),
    Aspect.APPROACH: (
        (
            "How exactly would that work in practice, step by step?",
            "Could you take me through how exactly that would work in practice?",
        ),
        "ask how {phrase} would work in practice, step by step",
    ),
    Aspect.FAILURE: (
        (
            "What could go wrong with that, and what would you do then?",
            "Where could that go wrong, and how would you handle it?",
        ),
        "ask what could go wrong with {phrase} and what they would do then",
    ),
    Aspect.TRADE_OFF: (
        (
            "What would you be giving up with that, compared with another way of doing it?",
            "What's the trade-off there, compared with another way of doing it?",
        ),
        "ask what {phrase} gives up compared with another way of doing it",
    ),
    Aspect.SCALE: (
        (
            "What would change about that if there were ten times as much to handle?",
            "And if there were twice as much to handle on a busy day, what would change?",
        ),
        "ask what would change about {phrase} with ten times as much to handle",
    ),
    Aspect.CONSTRAINT: (
        (
            "Suppose you had half the time. What would you change about that, and why?",
            "If you had half the budget, what would you keep and what would you drop?",
        ),
        "ask what they would change about {phrase} with half the time, and why",
    ),
    Aspect.FIRST_STEP: (
        (
            "What exactly would you do first, and what would come next?",
            "What would be your very first step there, and what would follow it?",
        ),
        "ask what exactly they would do first and what would come next",
    ),
    Aspect.REASONING: (
        (
            "What makes that the right first move, rather than something else?",
            "Why would you go about it that way, rather than another?",
        ),
        "ask why {phrase} is the right first move, rather than something else",
    ),
    Aspect.RISK: (
        (
            "What could get in the way of that plan, and how would you notice early?",
            "What might get in the way there, and how would you notice early?",
        ),
        "ask what could get in the way of {phrase} and how they would notice early",
    ),
    Aspect.CHECK: (
        (
            "How would you know, a few weeks later, that it had worked?",
            "A few weeks on, how would you know that it had worked?",
        ),
        "ask how they would know, a few weeks later, that {phrase} had worked",
    ),
    Aspect.MECHANISM: (
        (
            "How does that actually work, underneath?",
            "Could you explain what actually happens underneath when that works?",
        ),
        "ask how {phrase} actually works, underneath",
    ),
    Aspect.WHY: (
        (
            "Why does that matter here?",
            "What's the reason it matters here, rather than being a detail?",
        ),
        "ask why {phrase} matters here",
    ),
    Aspect.EDGE: (
        (
            "When would that stop being the right choice?",
            "In what situation would that stop being the right choice?",
        ),
        "ask when {phrase} would stop being the right choice",
    ),
    Aspect.DRAW: (
        (
            "What is it about that, in particular, that matters to you?",
            "Why does that, in particular, matter to you?",
        ),
        "ask what it is about {phrase} that matters to them",
    ),
    Aspect.GOAL: (
        (
            "What would you want to have achieved a year from now?",
            "A year from now, what would you want to have achieved?",
        ),
        "ask what they would want to have achieved a year from now",
    ),
    Aspect.REFLECTION: (
        (
            "Looking back, what would you do differently, and what did you take from it?",
            "Looking back on it now, what would you do differently next time?",
        ),
        "ask what, looking back, they would do differently about {phrase}",
    ),
    Aspect.STEPS: (
        (
            "What's the first thing you do, and what comes after it?",
            "Could you take me through the steps you follow, in order?",
        ),
        "ask what the first thing they do is and what comes after it, in order",
    ),
    Aspect.VERIFY: (
        (
            "How do you make sure it has been done right?",
            "What tells you, at the end, that each step went as it should?",
        ),
        "ask how they make sure {phrase} has been done right",
    ),
    Aspect.EXCEPTION: (
        (
            "When would you do it differently from your usual steps?",
            "Is there a case where you'd change those steps? What would you do then?",
        ),
        "ask when they would do {phrase} differently from their usual steps, and why",
    ),
}
# How an earlier follow-up shows which part it asked about (in any voice's wording).
ASKED: dict[Aspect, str] = {
    Aspect.SITUATION: r"what was the situation|what was at stake|set the scene",
    Aspect.OWN_ACTION: r"what (?:did )?you (?:personally )?did yourself|did you do yourself|"
    r"what did you (?:personally )?do yourself",
    Aspect.RESULT: r"how did (?:it|that) turn out|what was the (?:result|outcome)",
    Aspect.OWN_ROLE: r"part of (?:that|it|this) was yours|you personally|do personally",
    Aspect.APPROACH: r"how exactly (?:that )?would|in practice|how would (?:that|it) work",
    Aspect.FAILURE: r"could (?:that |it )?go wrong|what if .{0,40}fail|would break",
    Aspect.TRADE_OFF: r"giv(?:e|ing) up|trade-?off|alternative",
    Aspect.SCALE: r"ten times|twice as (?:much|many)|at scale|busy day",
    Aspect.CONSTRAINT: r"half the (?:time|budget)|fewer people|tighter",
    Aspect.FIRST_STEP: r"do first|first step",
    Aspect.REASONING: r"that order(?:,)? rather than another|right first move|"
    r"about it that way",
    Aspect.RISK: r"get in the way|notice early",
    Aspect.CHECK: r"how would you know|how did you know|had worked",
    Aspect.MECHANISM: r"actually works?\b|underneath|mechanism",
    Aspect.WHY: r"why does (?:that|it) matter|reason it matters",
    Aspect.EDGE: r"stop being the right|when would (?:that|it) not",
    Aspect.DRAW: r"matters? to you|draws you",
    Aspect.GOAL: r"achieved a year|a year from now",
    Aspect.REFLECTION: r"differently(?:,| next| and)|looking back",
    Aspect.STEPS: r"first thing you do\b|comes after it|steps you follow",
    Aspect.VERIFY: r"been done right|went as it should",
    Aspect.EXCEPTION: r"differently from your usual|change those steps",
}


def asked_aspects(texts: Sequence[str]) -> frozenset[Aspect]:
    """The parts earlier follow-ups (their texts) already asked about."""
    return frozenset(
        a for a, pattern in ASKED.items() if any(re.search(pattern, t, re.I) for t in texts)
    )


@dataclass(frozen=True, slots=True)
class Probe:
    aspect: Aspect
    prompt: str  # the follow-up question, offline wording
    purpose: str  # what it is for, in plain words, for an LLM to word


def choose_probe(
    reading: AnswerReading,
    asked: frozenset[Aspect],
    earlier_ai: Sequence[str],
    *,
    deepen: bool,
    covered_before: frozenset[Aspect] = frozenset(),
    vague: bool = False,
) -> Probe | None:
    """The follow-up for an answer read as `reading`: the first part it lacks that no earlier
    follow-up asked about; for a complete answer (or none left), one level deeper when
    `deepen`; never one that is a near copy of an earlier AI turn; else None (move on).
    `covered_before` are parts the candidate's earlier answers to this question covered; a
    `vague` answer is first asked for the specifics of what it named (the kind's first part),
    unless an answer to the question already covered that part."""
    have = reading.covered | covered_before
    lacking = [a for a in reading.missing if a not in have or a is Aspect.OWN_ROLE]
    first = (reading.parts or PARTS[reading.style])[0]
    if vague and first not in lacking and first not in have:  # the specific of what they named
        lacking.insert(0, first)
    candidates = [a for a in lacking if a not in asked]
    if deepen and not candidates:
        candidates = [a for a in DEEPER[reading.style] if a not in asked and a not in have]
    for aspect in candidates:
        probe = probe_for(aspect, reading.phrase, earlier_ai)
        if probe is not None:
            return probe
    return None


def probe_for(aspect: Aspect, phrase: str | None, earlier_ai: Sequence[str] = ()) -> Probe | None:
    """The probe for `aspect` in a wording no earlier AI turn used (None when both were)."""
    wordings, purpose = PROBES[aspect]
    for prompt in wordings:
        if not any(contains(turn, prompt) for turn in earlier_ai) and not near_copy(
            prompt, earlier_ai
        ):
            # Candidate words never enter an LLM's instructions: the purpose points at the
            # quote, which the voice passes in the data block.
            about = "what they named (QUOTE_TO_REFER_TO)" if phrase else "their answer"
            return Probe(aspect, prompt, purpose.format(phrase=about))
    return None


def probe_misfits(style: QuestionStyle, text: str) -> bool:
    """A follow-up that does not fit the kind of question: asking for a past example after a
    hypothetical or a knowledge question, or for a hypothetical plan after a question about
    the past."""
    lowered = text.lower()
    past = re.search(
        r"tell me about a time|a time when|one specific (?:example|case)|what happened|"
        r"specific example: what|real example from|give me an example from your",
        lowered,
    )
    if (style in HYPOTHETICAL or style == "knowledge") and past:
        return True
    return style == "behavioural" and bool(
        re.search(r"ten times as much|how would you design|failure mode", lowered)
    )


# --- a question to the interviewer -----------------------------------------------------------

# About the job, the team or the organisation: only the hiring team can answer it.
ABOUT_THE_JOB = (
    r"\b(?:salary|pay|paid|compensation|benefits|holiday|remote|hybrid|office|team size|"
    r"the team|your team|your company|the company|the organi[sz]ation|culture|tech stack|"
    r"start date|hours|shifts?|rota|contract|visa|relocat\w*|training|progression|career path|"
    r"who (?:would|will) i|who i'?d|report(?:ing)? to|my manager|typical day|day[- ]to[- ]day|"
    r"a normal day|in this (?:job|role|position)|the (?:job|role|position) (?:involve|include|"
    r"look)|what (?:is|are) the (?:next|day|typical))\b"
)
# About what happens after the interview: answered honestly, with no promise of an outcome.
ABOUT_THE_PROCESS = (
    r"\b(?:next steps?|hear back|hear from (?:you|them|anyone)|when will (?:i|you|we) (?:know|"
    r"hear|get|find out)|how (?:will|do) i (?:know|find out)|how (?:long|soon) (?:until|before) "
    r"(?:i|you|a decision)|the (?:results?|outcome|decision)|feedback on (?:this|my|the) "
    r"interview|who (?:reads|reviews|sees) (?:this|my|the))\b"
)
ABOUT_THE_QUESTION = (
    r"\b(?:do you mean|the question|an example|my answer|should i (?:talk|answer))\b"
)
AskedOfUs = Literal["job", "process"]


def question_to_interviewer(text: str) -> AskedOfUs | None:
    """Whether a short turn is a question put to the interviewer rather than an answer: about
    the job or the organisation (`job`), or about what happens after the interview
    (`process`). A question about the question itself ("do you mean …") is neither."""
    said = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]
    if not said or not said[-1].endswith("?") or len(text.split()) > 30:
        return None
    asked = " ".join(s for s in said if s.endswith("?")).lower()
    besides = sum(len(s.split()) for s in said if not s.endswith("?"))
    telling = len(text.split()) > 15 and re.search(_PAST_ACTION, text)  # a story, not a query
    if besides > 8 or telling or re.search(ABOUT_THE_QUESTION, asked):
        return None
    if re.search(ABOUT_THE_PROCESS, asked):
        return "process"
    if re.search(ABOUT_THE_JOB, asked):
        return "job"
    return None


# --- "I don't know": once, a narrower angle ---------------------------------------------------

HINTS: dict[QuestionStyle, tuple[str, str]] = {
    "behavioural": (
        "It doesn't have to be from a job: a moment from study, volunteering or everyday life "
        "counts too. Is there one small example like that you could tell me about?",
        "offer a narrower angle: any small real example, from work, study, volunteering or "
        "everyday life, counts",
    ),
    "design": (
        "Let's make it smaller. If it were just one case in front of you, what's the first "
        "thing you would want to get right?",
        "offer a narrower angle: just one case in front of them, and the first thing they "
        "would want to get right",
    ),
    "situational": (
        "Let's take just the first step. What's the very first thing you would do or check?",
        "offer a narrower angle: only the very first thing they would do or check",
    ),
    "procedure": (
        "Let's keep it simple. Picture yourself starting on it: which step comes before all "
        "the others?",
        "offer a narrower angle: only the step that comes before all the others when they start",
    ),
    "knowledge": (
        "Let's try a narrower angle. What do you know about it, even roughly, or where have "
        "you come across it?",
        "offer a narrower angle: whatever they know about it, even roughly, or where they have "
        "come across it",
    ),
    "motivation": (
        "Let's put it another way. What would a good working day look like for you?",
        "offer an easier angle: what a good working day would look like for them",
    ),
}


# Said instead when a question's own hint would be a near copy of an earlier AI turn (two
# questions of kinds whose hints read alike, both met with "I don't know").
OTHER_HINT = (
    # no "That's all right." of its own: the hint's acknowledgement is said before it
    "Is there any part of it you have seen or done, even once, that you could tell me about?",
    "offer an easier angle: any part of it they have seen or done, even once",
)


# … and when that was said too, this.
LAST_HINT = (
    "Take your time. Even a rough first thought is welcome: where would you start with it?",
    "offer an easier angle: a rough first thought, where they would start",
)


def hint_for(question: PlannedQuestion, earlier_ai: Sequence[str] = ()) -> tuple[str, str]:
    """The narrower angle offered once after "I don't know": (offline words, purpose); never
    a near copy of an earlier AI turn while one of the wordings is still fresh."""
    for hint in (HINTS[question_style(question)], OTHER_HINT, LAST_HINT):
        said = any(contains(turn, hint[0]) for turn in earlier_ai)
        if not said and not near_copy(hint[0], earlier_ai):
            return hint
    return LAST_HINT
