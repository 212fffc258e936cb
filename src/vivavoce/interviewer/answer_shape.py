"""The shape of an answer: its clauses, who acts in each and in which tense, and how they join.

What an answer covered was first read from phrases (`listening.COVERED`), and every role with
new words brought phrases no list held. The rules here read grammar instead, which does not
change from one trade to the next: a story told in the first person past is the candidate's
own action; a past clause about someone else after it is what came of it; "if …, I'd …" is a
plan for when something goes wrong; "X is what/the …" is a definition; a thing that "makes
sure / stops / lets" something says what it is for; two present-tense "I …" clauses are
steps. Pure (no I/O); `shape_aspects` gives the names of `listening.Aspect` it finds, each
from one rule in `_RULES` that a person can read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Person = Literal["i", "we", "you", "third", "thing", "none"]
Tense = Literal["past", "present", "modal", "copula_past", "copula", "none"]

# Common English verbs (base forms): general words of doing, no trade's vocabulary. Their -s,
# -ed and -ing forms are derived; irregular pasts are listed below.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VERBS = _words(
    """
    accept add adapt agree allow answer apologise apologize arrive apply arrange ask attach avoid
    balance become begin block book break bring build buy call calm cancel carry catch cause
    change charge check choose clean clear close come compare confirm contact cook cool copy
    correct cost count cover create cut deal decide deliver describe design die do drain
    drop drive eat ease email empty end enter escalate explain fall feel fill find finish fit
    fix flag follow forget get give go grow guide handle hand happen hear heat help hide hold
    hurt include increase keep know label land lay lead learn leave let lift list listen live
    load lock look lose make manage mark match mean measure meet mention miss move need note
    notice offer open order organise organize pack pass pay phone pick place plan play point
    prepare prevent print protect prove pull push put raise reach read receive record reduce
    refer refill refuse release remember remind remove repair repeat replace report rest
    return review ring rise run save say scan see sell send serve set settle share show sign
    sit sleep slow solve sort speak spend split start stay stick stop struggle suggest
    supply support swap switch take talk teach tell test text thank think throw tidy touch
    track train treat try turn update use wait walk want warn wash watch wear weigh work
    worry write
    """
)
_IRREGULAR_PAST = _words(
    """
    ate became began bought brought built came caught chose cut dealt did drank drove fell fed
    felt found forgot gave got grew had heard held hurt kept knew laid led left let lost made
    meant met paid put quit ran rang read rode rose said sat saw sent set shut slept sold
    spent split spoke stood stuck swam taught thought threw told took understood went woke
    won wore wrote
    """
)
_MODALS = _words("would 'd will 'll can could should might must may")
_COPULA = _words("is are 's 're am 'm be")
_COPULA_PAST = _words("was were")
_NEGATED: dict[str, Tense] = {
    "didn't": "past",
    "wasn't": "copula_past",
    "weren't": "copula_past",
    "don't": "present",
    "doesn't": "present",
    "won't": "modal",
    "wouldn't": "modal",
    "can't": "modal",
    "couldn't": "modal",
    "shouldn't": "modal",
    "isn't": "copula",
    "aren't": "copula",
}
_FRAMES = _words("at in on last during after before one this that every each for with by from over")
_PREFIXES = ("re", "un", "mis", "over", "out", "pre")
_ADVERBS = _words(
    "always usually normally often never sometimes still then just also only first really "
    "already even quickly carefully"
)
# Words that open an object: an -s word before one is a verb ("grouting seals the gaps").
_OBJECT_STARTS = _words(
    "the a an it them him her you your their its our my every each all this that these those"
)
# Words before an object that are not verbs ("like the …", "about a …").
_NOT_VERBS = (
    _FRAMES
    | _OBJECT_STARTS
    | _words(
        "like about near into onto under through across around against without between behind "
        "beside than as of to so but and or if when because all both"
    )
)
_PARTICLES = _words("out up down off away back over")
_THIRD = _words("he she they it this that there someone nobody everyone one")
_LEADS = _words(
    "because since so but though although whereas while which who if when whenever unless once "
    "until before after otherwise then and as or"
)
# Same form in the present and the past ("I put", "I set"): the tense of the clause before.
_SAME_FORM = _IRREGULAR_PAST & _VERBS
_SPLIT = re.compile(
    r"\s*[,;:\u2014\u2013]\s*|\s+(?=(?:" + "|".join(sorted(_LEADS)) + r")\b)", re.IGNORECASE
)
_WORD = re.compile(r"[a-z']+")
_NUMBER = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|forty|fifty|"
    r"hundred|thousand|half|twice|double)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Clause:
    text: str  # lower-cased
    lead: str | None  # the connective that opens it ("because", "if", "so" …)
    person: Person  # who acts: "i", "we", "you", a pronoun, a thing (a noun phrase)
    tense: Tense
    verb: str | None  # the verb's base form when it is a known one
    sentence: int  # which sentence of the answer it is in


def _unprefixed(word: str) -> tuple[str, ...]:
    """`word`, and `word` without a prefix that makes a new verb ("rebuilt", "unpacked")."""
    cut = [word[len(p) :] for p in _PREFIXES if word.startswith(p) and len(word) > len(p) + 2]
    return (word, *cut)


def _base(word: str) -> str | None:
    """The base form of `word` when it is a form of a known verb, else None."""
    for whole in _unprefixed(word):
        for candidate in (whole, whole[:-1], whole[:-2], whole[:-3] + "y", whole[:-2] + "e"):
            if candidate in _VERBS:
                return candidate
    return None


def verb_form(word: str) -> bool:
    """Whether `word` is a form of a common English verb ("reads", "reached", "order")."""
    return _base(word.lower()) is not None or _past(word.lower())


def _past(word: str) -> bool:
    for whole in _unprefixed(word):
        if whole in _IRREGULAR_PAST:
            return True
        if whole.endswith("ed") and len(whole) >= 4:
            stems = (whole[:-2], whole[:-1], whole[:-3] + "y", whole[:-3])  # asked, used, tried
            if any(stem in _VERBS for stem in stems):
                return True
    return False


def _person(words: list[str], before: Person) -> tuple[Person, int]:
    """Who the clause's subject is, and where its verb may start. A clause that opens on a
    verb ("…, put the sheets down") goes on with the subject before it; one that opens on a
    time or place ("at the café I …", "last spring I …") has its subject after that."""
    if not words:
        return "none", 0
    if words[0] in _FRAMES:
        for k, word in enumerate(words[:8]):
            person = _pronoun(word)
            if person is not None:
                return person, k + (0 if "'" in word else 1)
        return "thing", 1
    person = _pronoun(words[0])
    if person is not None:
        return person, 0 if "'" in words[0] else 1
    opens_on_verb = _base(words[0]) is not None or (
        len(words) > 1 and words[1] in _OBJECT_STARTS and words[0] not in _NOT_VERBS
    )
    if opens_on_verb and not words[0].endswith(("ing", "s")) and before != "none":
        return before, 0
    return "thing", 2 if words[0] in _OBJECT_STARTS else 1  # "the order is": past the noun


def _pronoun(word: str) -> Person | None:
    head = word.split("'")[0]
    for pronoun, person in (("i", "i"), ("we", "we"), ("you", "you")):
        if head == pronoun:
            return person  # type: ignore[return-value]
    return "third" if head in _THIRD else None


def _form(word: str) -> Tense | None:
    """The tense a word marks by itself: a modal, a copula, a negated auxiliary."""
    if word in _NEGATED:
        return _NEGATED[word]
    _, apostrophe, tail = word.partition("'")
    marker = apostrophe + tail if apostrophe else word
    if marker in _MODALS:
        return "modal"
    if marker in _COPULA_PAST:
        return "copula_past"
    if marker in _COPULA:
        return "copula"
    return None


def _tense(words: list[str], start: int, person: Person) -> tuple[Tense, str | None]:
    """The tense of the clause's verb: the first word after "I", "we" or "you" (past when it
    is a past form), else the first known verb form, or an -s word before an object, within
    five words of the subject."""
    window = [w for w in words[start : start + 6] if w not in _ADVERBS]
    for k, word in enumerate(window):
        marked = _form(word)
        if marked is not None:
            return marked, None
        if "'" in word:
            continue
        if _past(word) or (person in ("i", "we") and k == 0 and word.endswith("ed")):
            return "past", _base(word) or word
        if person in ("i", "we", "you") and k == 0 and not word.endswith("ing"):
            return "present", _base(word) or word
        base = _base(word)
        if base is not None and not word.endswith("ing"):
            return "present", base
        following = window[k + 1] if k + 1 < len(window) else ""
        # an -s word before an object or a particle: "grouting seals the gaps", "it folds out"
        opens = following in _OBJECT_STARTS or following in _PARTICLES
        if re.fullmatch(r"[a-z]{3,}[^su]s", word) and opens:
            return "present", word[:-1]
    return "none", None


def clauses(text: str) -> list[Clause]:
    """The answer's clauses: split at punctuation and before connectives, each with its lead,
    its subject's person and its verb's tense."""
    found: list[Clause] = []
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    for number, sentence in enumerate(sentences):
        for piece in _SPLIT.split(sentence.lower()):
            words = _WORD.findall(re.sub(r"(?<=[a-z])-(?=[a-z])", "", piece))
            lead = words[0] if words and words[0] in _LEADS else None
            if lead == "so" and len(words) > 1 and words[1] == "that":
                words = words[1:]
                lead = "so that"
            rest = words[1:] if lead else words
            while rest and (rest[0].endswith("ly") or rest[0] in ("then", "also", "just")):
                rest = rest[1:]
            before = found[-1] if found and found[-1].sentence == number else None
            person, start = _person(rest, before.person if before else "none")
            if _goes_on(lead, rest, before):
                person, start = before.person, 0  # type: ignore[union-attr]
            tense, verb = _tense(rest, start, person)
            if verb in _SAME_FORM and before is not None and before.tense == "present":
                tense = "present"
            found.append(Clause(" ".join(words), lead, person, tense, verb, number))
    return found


def _goes_on(lead: str | None, rest: list[str], before: Clause | None) -> bool:
    """ "… opens and lets the water out": after "and", "then" or "or", an -s form of a known
    verb goes on with the subject of the clause before (a thing or a pronoun)."""
    if lead not in ("and", "then", "or") or before is None or not rest:
        return False
    word = rest[0]
    verb_s = word.endswith("s") and not word.endswith("ss") and _base(word) is not None
    return verb_s and before.person in ("third", "thing") and before.tense == "present"


# --- the rules: one per part, each a shape --------------------------------------------------

# "It shows where it was handed over", "the log proves who signed": what a thing is good for
_PURPOSE_VERBS = _words("prevent stop protect avoid help let allow keep save catch show prove warn")
_CATEGORY = re.compile(
    r"^(?:an? |the )?(?:(?:big|main|real|good|bad|important|key|serious|huge|most|very|"
    r"really|only|first|whole) )*"
    r"(?:thing|part|problem|issue|idea|point|question|matter|deal|must|priority|rule)s?\b|"
    r"^(?:good|bad|important|key|vital|essential|crucial|useful|hard|easy|tricky|difficult|"
    r"nice|great|never easy|always)\b"
)
# A predicate that defines: it points at a kind or a part ("the …", "what …", "all …") or
# goes on with a relation ("… of …", "… that …") — not "a big responsibility".
_DEFINES = re.compile(
    r"^(?:the|what|where|when|how|whatever|all|any|every|each|those|whoever)\b|"
    r"\b(?:of|for|that|which|who|where|when|with|to|by|from)\b"
)
_TROUBLE = re.compile(
    r"\b(?:risk|danger|problem|mistake|wrong|miss(?:es|ed|ing)?|lost|late|delay\w*|drift\w*|"
    r"struggle\w*|short|broken|breaks?|fails?|failed|stuck|down|empty|out of)\b"
)
_LATER = re.compile(
    r"\b(?:later|afterwards|after (?:it|that|they|he|she)|the next|next (?:day|morning|week)|"
    r"a (?:few|couple of) \w+ (?:after|later)|by the end|at the end|within)\b"
)
# What is paid or compared in a trade: a cost, a time, a comparative.
_COSTS = re.compile(
    r"\b(?:costs?|takes?|slow\w*|more|less|fewer|longer|shorter|harder|easier|dearer|cheaper|"
    r"quicker|faster|safer|riskier|saves?|worth)\b"
)
_MAKES_SURE = re.compile(r"\bmakes? sure\b|\bensures?\b")
_SEE = re.compile(r"\bto (?:see|check|make sure|confirm)\b")


# A reason, a condition or a concession is not what came of it ("… because it kept …").
_NOT_RESULT_LEADS = frozenset(
    {"because", "since", "as", "so that", "if", "unless", "though", "although", "whereas"}
    | {"while", "when", "before", "whenever"}
)
_SCENE_LEADS = frozenset({"when", "while", "as", "before", "after", "if", "since", "once"})


def _own_past(c: Clause) -> bool:
    return c.person == "i" and c.tense == "past"


def _result(cs: list[Clause]) -> bool:
    """After an action told in the past by "I" or "we" (not a scene-setting "when I worked
    …"), a past clause about someone or something else — in a later sentence, or joined on
    by "and", "so", "then", "until" — or a past clause with a number or a time, says what came
    of it: "We talked to him and he left"."""
    acted = next(
        (
            k
            for k, c in enumerate(cs)
            if c.person in ("i", "we") and c.tense == "past" and c.lead not in _SCENE_LEADS
        ),
        None,
    )
    if acted is None:
        return False
    for c in cs[acted + 1 :]:
        if c.tense not in ("past", "copula_past") or c.lead in _NOT_RESULT_LEADS:
            continue
        joined_on = c.sentence > cs[acted].sentence or c.lead in ("and", "so", "then", "until")
        if joined_on and c.person in ("third", "thing"):
            return True
        if _NUMBER.search(c.text) or _LATER.search(c.text):
            return True
    return False


# What "it", "this" or "they" does that says nothing of how: "it depends", "it happens".
_VAGUE_VERBS = _words("need want try depend get go happen do come feel")
_IMPERSONAL = re.compile(r"^(?:(?:and|then|or|so) )?(?:it|this|that|they)\b")


def _pronoun_doing(c: Clause) -> bool:
    """ "It lets the pressure out", "they hold the stock for a week": the thing asked about,
    named by a pronoun, doing something to something in the general present."""
    if c.person != "third" or c.tense != "present" or c.verb in (None, *_VAGUE_VERBS):
        return False
    if c.lead in ("if", "when", "unless", "because", "whenever", "once"):
        return False
    continued = c.lead in ("and", "then", "or")
    return (continued or bool(_IMPERSONAL.match(c.text))) and len(c.text.split()) >= 4


def _definition(cs: list[Clause]) -> bool:
    """A thing said to be something ("the forecast is what …", "controlled drugs are the
    stronger ones that …"), or said to do something in the general present ("the valve
    opens …", "loading makes the tendon stronger", "it lets the pressure out") — not "it's a
    big problem"."""
    for c in cs:
        if _pronoun_doing(c):
            return True
        if c.person != "thing" or c.lead in ("if", "when", "unless", "because"):
            continue
        if c.tense == "present" and c.verb not in (None, "need", "want", "try", "depend"):
            return True
        predicate = re.split(r"\b(?:is|are)\b", c.text, maxsplit=1)
        if c.tense == "copula" and len(predicate) == 2:
            said = predicate[1].strip()
            if len(said.split()) >= 3 and _DEFINES.search(said) and not _CATEGORY.search(said):
                return True
    return False


def _then_parts(cs: list[Clause], k: int) -> list[Clause]:
    """The clauses after clause `k` in its sentence: what follows from a condition."""
    return [c for c in cs[k + 1 :] if c.sentence == cs[k].sentence]


def _general_condition(cs: list[Clause]) -> bool:
    """A condition and what follows in general: "if they …, that can be a sign" — or what
    happens told first and its condition after: "the alarm sounds when the door opens"."""
    for k, c in enumerate(cs):
        if c.lead not in ("if", "when", "whenever", "once"):
            continue
        if any(
            t.lead in (None, "then") and t.person in ("third", "thing", "you")
            for t in _then_parts(cs, k)
        ):
            return True
        main = cs[k - 1] if k > 0 and cs[k - 1].sentence == c.sentence else None
        general = main is not None and main.person in ("third", "thing")
        if general and main.lead is None and main.tense == "present" and main.verb:  # type: ignore[union-attr]
            return True
    return False


# "The risk is …", "the main danger would be …", "what could go wrong is …": trouble named
_NAMED_RISK = re.compile(
    r"^(?:the|a|one|my|our|their|its) (?:\w+ )?(?:risks?|dangers?|worry|worries|weak (?:point|spot)"
    r"|failure point)\b|^what (?:could|can|might|would) (?:go wrong|break|fail)\b"
)


def _named_risk(cs: list[Clause]) -> bool:
    """Trouble named as such and then a plan for it: "The risk is missing details on payday,
    so I'd run a check …" (an own clause, with a modal or in the present, after it)."""
    for k, c in enumerate(cs):
        if c.tense in ("copula", "modal") and _NAMED_RISK.search(c.text):
            later = cs[k + 1 : k + 4]
            if any(t.person in ("i", "we") and t.tense in ("modal", "present") for t in later):
                return True
    return False


def _contingency(cs: list[Clause]) -> bool:
    """A plan for something going wrong: "if <trouble>, I'd …" or "if …, the … still …", or
    trouble named as a risk and a plan after it (`_named_risk`)."""
    if _named_risk(cs):
        return True
    for k, c in enumerate(cs):
        then = _then_parts(cs, k)
        if c.lead not in ("if", "when", "unless", "once") or not then:
            continue
        if _TROUBLE.search(c.text) or any(
            t.tense == "modal" or "still" in t.text.split() for t in then
        ):
            return True
    return False


def _purpose(cs: list[Clause]) -> bool:
    """What something is for: a reason or consequence clause ("because …", "so the …",
    "otherwise …"), or a thing that prevents, protects or lets ("scanning makes sure …")."""
    for c in cs:
        if c.lead in ("because", "since", "so that", "otherwise") and len(c.text.split()) >= 3:
            return True
        if c.lead == "so" and c.person != "none" and c.tense != "none":
            return True
        doing = c.person in ("thing", "third") and c.tense == "present"
        if doing and (c.verb in _PURPOSE_VERBS or _MAKES_SURE.search(c.text)):
            return True
    return False


def _limit(cs: list[Clause]) -> bool:
    """When it does not hold: a negated general claim ("not every …", "it doesn't help if …")
    or a case where they would hold back."""
    text = " ".join(c.text for c in cs)
    if re.search(r"\bnot (?:every|all|always|everyone|each)\b|\bisn'?t always\b", text):
        return True
    for k, c in enumerate(cs):
        negated = re.search(r"\b(?:not|no|n't|doesn'?t|don'?t|won'?t|isn'?t|never)\b", c.text)
        conditioned = c.lead in ("if", "when", "unless") or (
            k + 1 < len(cs) and cs[k + 1].lead in ("if", "when", "unless")
        )
        if negated and conditioned and c.person != "i":
            return True
        if re.search(r"\b(?:hold|holding|back off|ease off)\b", c.text) and conditioned:
            return True
    return False


def _steps(cs: list[Clause]) -> bool:
    """Two actions or more in the present, by "I", "you" or "we": a routine told in order."""
    acts = [c for c in cs if c.person in ("i", "you", "we") and c.tense == "present"]
    return len(acts) >= 2


def _later_check(cs: list[Clause]) -> bool:
    """A look back after the act: "… a couple of minutes later I'd ask …", "to see that …"."""
    return any(
        (_LATER.search(c.text) and c.person in ("i", "we") and c.tense in ("modal", "present"))
        or _SEE.search(c.text)
        for c in cs
    )


def _trade(cs: list[Clause]) -> bool:
    """Something paid against something gained: a clause that costs or slows, joined by "but"
    to one that saves or gains, or the reverse."""
    for k, c in enumerate(cs[:-1]):
        after = cs[k + 1]
        if after.lead not in ("but", "though", "although", "whereas", "while"):
            continue
        paid = _COSTS.search(c.text) or _COSTS.search(after.text)
        if paid and after.tense != "none" and c.tense != "none":
            return True
    return False


def _own_modal(cs: list[Clause]) -> bool:
    return any(c.person == "i" and c.tense in ("modal", "present") for c in cs[:2])


_RULES: tuple[tuple[str, Callable[[list[Clause]], bool]], ...] = (
    ("own_action", lambda cs: any(_own_past(c) for c in cs)),
    ("situation", lambda cs: sum(c.tense in ("past", "copula_past") for c in cs) >= 2),
    ("result", _result),
    ("approach", lambda cs: any(c.person == "i" and c.tense == "modal" for c in cs)),
    ("failure", _contingency),
    ("trade_off", _trade),
    ("first_step", _own_modal),
    ("reasoning", _purpose),
    ("why", _purpose),
    ("mechanism", lambda cs: _definition(cs) or _general_condition(cs)),
    ("edge", _limit),
    ("steps", _steps),
    ("check", _later_check),
    ("verify", _later_check),
    ("exception", _contingency),
)


def shape_aspects(text: str) -> frozenset[str]:
    """The parts (`listening.Aspect` values) the answer's shape shows, one rule each."""
    cs = clauses(text)
    return frozenset(name for name, rule in _RULES if rule(cs))


# --- the shape of a question -----------------------------------------------------------------

_YOU_IN_THE_PAST = re.compile(
    r"\b(?:did|were|was|had) you\b|"
    r"\byou(?:'ve| have) (?:ever |recently |already )?(?!to\b|got\b|any\b|a\b|the\b)\w+|"
    r"\b(?:a|an|one|the) (?:time|moment|occasion|day|shift|week|case|situation|job|customer|"
    r"patient|person|client|guest) (?:when|where) you\b"
)
_YOU_WOULD = re.compile(r"\b(?:would|could|will|should) you\b|\byou(?:'d| would| will|'ll)\b")
_IMPERATIVE_STORY = re.compile(r"^\W*(?:share|recall|name|pick|think of|remember)\b")


def question_shape(text: str) -> Literal["behavioural", "situational", "design"] | None:
    """A question's kind from its grammar when no wording says it: "you" in the past ("How
    did you handle it?", "a shift when you ran out …", "what have you learned") asks about
    something that happened; "would you / you'd" asks for a plan — situational when a scene is
    set first (a statement before the question, or an "if"), else design."""
    lowered = text.lower()
    past = _YOU_IN_THE_PAST.search(lowered) or any(
        c.person == "you" and c.tense == "past" for c in clauses(lowered)
    )
    if past or (_IMPERATIVE_STORY.search(lowered) and "you" in lowered.split()):
        return "behavioural"
    if _YOU_WOULD.search(lowered):
        sentences = [x for x in re.split(r"(?<=[.!?])\s+", lowered.strip()) if x]
        scene = len(sentences) > 1 and not sentences[0].endswith("?")
        return "situational" if scene or re.search(r"\bif\b", lowered) else "design"
    return None
