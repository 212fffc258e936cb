"""The candidate's words, handled whole: phrases worth quoting back, and how alike two turns are.

A quote is only ever a *whole* unit of what the candidate said — a clause between punctuation
or conjunctions ("I would use a unique id for each request"), or a noun phrase ("the patient
handover", "a unique id") — never a run of words cut off mid-phrase ("… a unique id for the").
A phrase containing a word the speech recogniser was unsure of is never quoted.

`word_overlap` is the measure behind "never the same follow-up (or a near copy) twice": the
Jaccard index of two texts' content words (stop words dropped, lightly stemmed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from vivavoce.interviewer.answer_shape import verb_form
from vivavoce.interviewer.plan import words

NEAR_COPY_OVERLAP = 0.8
MAX_CLAUSE_WORDS = 14
MAX_PHRASE_WORDS = 5


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# fmt: off
FUNCTION_WORDS = _word_set(
    """
    a an the my our your their his her its this that these those some any each every no of to for
    in on at by with from into onto about as than like over under after before between and or but
    so because if then when while which who whom whose where what how why is are was were be been
    being am have has had do does did will would can could should may might must shall i you he she
    it we they me him us them not very really just also too quite i'm i've i'd i'll it's that's
    there's we're we've they're don't didn't doesn't isn't wasn't up down out off away back again
    now first straight right there here together all both never always often usually still even
    ever only already sometimes won't can't couldn't wouldn't shouldn't aren't weren't haven't
    hasn't hadn't we'd they'd he'd she'd you'd we'll they'll you'll you're they've myself yourself
    himself herself itself ourselves themselves rather instead
    against across around through throughout behind beside besides below above beneath near
    along without within toward towards upon via among amongst beyond despite during until till
    per once twice thrice enough
    """
)
# Words that describe or count but are never the head of a noun phrase: a phrase ending on one
# has lost its noun ("the main" of "the main thing", "four big" of "four big ideas").
MODIFIERS = _word_set(
    """
    small big large main clear new old good bad short long high low full real quick busy
    different important little early late extra simple hard easy final whole certain usual
    two three four five six seven eight nine ten twelve twenty hundred thousand several
    second third fourth fifth
    """
)
DETERMINERS = _word_set(
    "the a an my our your their his her its this that these those each every one"
)
# Words that open the object of a verb: a word ending in -s right before one is a verb ("the
# tagging misses an urgent ticket", "one agent answers fewer tickets"), not a plural noun.
_OBJECT_OPENERS = DETERMINERS | _word_set(
    "some any no fewer more less all both many several it them him her me us you "
    "because when if since unless until while although though whenever what how where "
    "whether why who"
)
_NOUN_DETERMINERS = _word_set("the a an my our your their his her its")
_SINGULAR = _word_set("a an each every one this that")
# After one of these comes a verb ("the customer still sounds unsure"), never a bare noun phrase.
_ADVERBS = _word_set(
    "still never always often usually also just only really sometimes already even"
)
# Nouns that say nothing of their own: never the head of a quoted phrase.
EMPTY_NOUNS = _word_set(
    """
    kind sort thing things stuff way ways lot lots bit something anything everything nothing part
    time times one ones case cases question answer idea point situation year years month months
    example examples instance
    week weeks day days quarter night today yesterday tomorrow best own most more less fine better
    morning mornings afternoon evening evenings hour hours minute minutes
    worse much many few other same next last only whole
    """
)
# Verbs common in answers that a noun phrase must stop before ("the nurse called the doctor").
VERBS = _word_set(
    """
    built wrote led ran made took chose drove set found brought began cut kept spent taught put got
    did gave sold won met told went rewrote broke caught held paid sent split thought said
    understood spoke stood became knew saw grew left lost sat fixed done seen use uses make makes
    get gets go goes call calls check checks ask asks tell tells give gives take takes keep keeps
    help helps need needs want wants try tries start starts talk talks explain explains handle
    handles send sends see sees know knows think thinks feel feels say says work works guess
    suppose believe hope mean means try tried depends depend like likes let lets cost costs
    look looks came fell felt slept heard meant stood rang sat ate drank wore woke arrived
    come comes happen happens seem seems stay stays
    """
)
# A word straight before one of these takes an object, so it is a verb ("the customer
# contacts you"), never the end of a noun phrase.
OBJECT_PRONOUNS = _word_set("you me him us them")
# Words of `VERBS` that are nouns too, when they end a noun phrase ("a query count check").
NOUN_OR_VERB = _word_set("check checks call calls work help need start use cost test review")
HEDGE_OPENERS = re.compile(
    r"^(?:(?:well|so|and|but|basically|honestly|actually|yeah|yes|um+|uh+|erm|hmm+)\s*,?\s+)*"
    r"(?:i (?:think|guess|believe|suppose|feel)(?: that)?\s+|maybe\s+|probably\s+|perhaps\s+)?",
    re.IGNORECASE,
)
# fmt: on
# A clause ends at punctuation, before "because", "which", … and before "and", "but", "so",
# "or", "then" when a new subject follows ("… and I called …"), not inside "clear and simple".
_CLAUSE_BREAK = re.compile(
    r"[.!?;:,()\"\u201c\u201d]+|\s[-\u2013\u2014]\s"
    r"|\s(?=(?:because|which|although|though|whereas|while|since)\s)"
    r"|\s(?=(?:and|but|so|or|then)\s+(?:i|we|they|he|she|it|you|the|my|our|their|this|that)\b)",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[A-Za-z0-9][\w'\u2019+#.-]*[\w+#]|[A-Za-z0-9]")


# A sentence about the candidate's score, the evaluator or instructions is never quoted
# back: it is not an answer, and echoing it would look like the interviewer taking it up. A
# score or an evaluation that is part of the work ("the early warning score", "I evaluated
# the patient") is an answer like any other.
_SCORER_TALK = re.compile(
    r"\b(?:scoring|scorers?|evaluators?|graders?|assessors?|rubric|(?:system|the|your) prompt|"
    r"(?:ignore|disregard|previous|prior|your|system) instructions?|10 out of 10|full marks|"
    r"top marks|(?:my|the highest|the top|a high|a perfect|the best|a top) (?:score|mark|"
    r"grade|rating)|(?:score|rate|rating|grade|mark) (?:me|this|every)|"
    r"evaluat\w* (?:me|this answer|this candidate))\b",
    re.IGNORECASE,
)


def quotable(text: str) -> str:
    """`text` without its sentences about scores, the evaluator or instructions."""
    kept = [s for s in re.split(r"(?<=[.!?])\s+", text) if not _SCORER_TALK.search(s)]
    return " ".join(kept)


def tokens(text: str) -> list[str]:
    return [t.replace("\u2019", "'") for t in _TOKEN.findall(text)]


def word_overlap(a: str, b: str) -> float:
    """How alike two turns are: the Jaccard index of their content words (0 … 1)."""
    left, right = set(words(a)), set(words(b))
    if not left and not right:
        return 1.0 if a.strip().lower() == b.strip().lower() else 0.0
    return len(left & right) / len(left | right)


def contains(text: str, part: str) -> bool:
    """Whether nearly all (≥ 80 %) of `part`'s content words are in `text`: `text` repeats it."""
    wanted = set(words(part))
    if not wanted:
        return part.strip().lower() in text.lower()
    return len(wanted & set(words(text))) / len(wanted) >= NEAR_COPY_OVERLAP


def near_copy(text: str, earlier: Iterable[str]) -> bool:
    return any(word_overlap(text, other) >= NEAR_COPY_OVERLAP for other in earlier)


def _heard(phrase: str, unsure: frozenset[str]) -> bool:
    return not any(t.lower() in unsure for t in tokens(phrase))


def _pieces(text: str) -> list[str]:
    """The text split at punctuation and at conjunctions that start a new clause."""
    return [p.strip() for p in _CLAUSE_BREAK.split(text) if p and p.strip()]


def whole_clauses(text: str, unsure: Sequence[str] = ()) -> list[str]:
    """First-person clauses of `text`, each whole (it ends where the candidate's clause ends),
    hedges in front dropped ("I think I would …" → "I would …"), 3 to 14 words."""
    heard = frozenset(w.lower() for w in unsure)
    found: list[str] = []
    for piece in _pieces(text):
        clause = _main_clause(HEDGE_OPENERS.sub("", piece, count=1).strip())
        words_in = tokens(clause)
        if not re.match(r"(?i)i(?:'m|'ve|'d|'ll)?\b", clause) or not words_in:
            continue
        if not 3 <= len(words_in) <= MAX_CLAUSE_WORDS:
            continue
        last = words_in[-1].lower()
        if last in FUNCTION_WORDS or last in EMPTY_NOUNS or not _heard(clause, heard):
            continue
        if _verbless_tail(words_in) or last in _LEADING_ADVERBS:
            continue
        found.append(clause)
    return found


_CONDITION_OPENERS = re.compile(r"(?i)^(?:if|when|whenever|once|unless|as soon as)\s")
_I_WORD = re.compile(r"(?i)^i(?:'m|'d|'ll|'ve)?$")


def _main_clause(piece: str) -> str:
    """The main clause of "If someone isn't ready I come back to them last": a condition
    with no comma before it ends where "I" opens the main clause (past the condition's own
    subject, so "If I'm late I ring ahead" gives "I ring ahead"). Else the piece as it is."""
    if not _CONDITION_OPENERS.match(piece):
        return piece
    words_in = piece.split()
    for k in range(2, len(words_in)):
        if _I_WORD.match(words_in[k]) and words_in[k - 1].lower() not in ("and", "or", "but"):
            return " ".join(words_in[k:])
    return piece


# Adverbs that point at what follows: a clause ending on one was cut ("… and say exactly").
_LEADING_ADVERBS = _word_set(
    "exactly precisely especially mainly mostly particularly roughly nearly almost mostly "
    "simply clearly"
)
_SUBORDINATORS = _word_set("if when whether that until unless while where who because once")


def _verbless_tail(words_in: Sequence[str]) -> bool:
    """A clause that ends on "if the parent" (of "… if the parent and the student came …")
    was cut before its verb: after its last subordinator come at most three words, none a
    verb."""
    lowered = [w.lower() for w in words_in]
    marks = [i for i, w in enumerate(lowered) if w in _SUBORDINATORS]
    if not marks:
        return False
    tail = lowered[marks[-1] + 1 :]
    verb = any(w in VERBS or w.endswith(("ed", "s", "n't")) for w in tail)
    return len(tail) <= 3 and not verb


def noun_phrases(text: str, unsure: Sequence[str] = ()) -> list[str]:
    """Noun phrases of `text` as written, in order: a determiner or possessive and up to five
    words, stopping before the next verb or function word ("the patient's chart", "a unique
    id"), or a run of two or more content words ("patient handover"). Phrases headed by an
    empty noun ("some kind") or containing an unsure word are left out."""
    heard = frozenset(w.lower() for w in unsure)
    found: list[str] = []
    for piece in _sentence_pieces(text):
        words_in = tokens(piece)
        position = 0
        while position < len(words_in):
            phrase, position = _phrase_at(words_in, position)
            if phrase and _heard(phrase, heard) and phrase.lower() not in map(str.lower, found):
                found.append(phrase)
    return found


def _sentence_pieces(text: str) -> list[str]:
    """`_pieces` of each sentence, the sentence's first word in lower case when it is only
    capitalised for starting it ("Sudden confusion can …" → "sudden confusion"; "Mrs Jones"
    and "I" stay as they are)."""
    pieces: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        parts = _pieces(sentence)
        if parts:
            first = parts[0].split(" ", 1)
            rest = first[1] if len(first) > 1 else ""
            opener = first[0]
            lower_rest = opener[1:] == "" or opener[1:].islower()  # "A late report …" too
            plain = opener[:1].isupper() and lower_rest and not rest[:1].isupper()
            if plain and not re.match(r"I(?:'|$)", opener):
                parts[0] = " ".join([opener.lower(), rest]).strip()
        pieces.extend(parts)
    return pieces


def _phrase_at(words_in: Sequence[str], start: int) -> tuple[str | None, int]:
    """The noun phrase starting at `start` (or None) and where to look next."""
    first = words_in[start].lower()
    led = first in DETERMINERS and not _relative_that(words_in, start)
    body_start = start + 1 if led else start
    end = body_start
    after_verb = 0  # a verb that ended the phrase opens no phrase of its own
    while end < len(words_in) and end - body_start < MAX_PHRASE_WORDS:
        word = words_in[end].lower()
        if word in NOUN_OR_VERB and end > body_start and _noun_after_noun(words_in, end):
            end += 1  # "a query count check to CI": a noun there, not a verb
            continue
        # Straight after a determiner a verb-looking word is the noun ("the checks are …")
        noun_slot = led and end == body_start and first in _NOUN_DETERMINERS and _third_person(word)
        if word in FUNCTION_WORDS or (word in VERBS and not noun_slot) or word.endswith("ly"):
            break
        singular_verb = (  # "each resident prefers": after a singular noun, an -s is a verb
            led and first in _SINGULAR and end == body_start + 1 and _third_person(word)
        )
        if end > body_start and (
            singular_verb
            or _verb_like(word, words_in, end)
            or _takes_object(words_in, end)
            or (start == 0 and _subjects_verb(words_in, end))
        ):
            after_verb = 1
            break
        end += 1
    body = words_in[body_start:end]
    after_adverb = not led and start > 0 and words_in[start - 1].lower() in _ADVERBS
    gerund = not led and first.endswith("ing")  # "giving people" of "giving people a choice"
    # "a cardiac arrest you may …" or "the form you fill in": "you" may be the phrase's
    # object or a new subject; which one is not clear, so the phrase is not quoted
    following = words_in[end].lower() if end < len(words_in) else ""
    before_pronoun = following in OBJECT_PRONOUNS
    # "… the unwell patients first": an ordinal after the phrase may be an adverb or the
    # start of the next words ("first aid"); which one is not clear, so it is not quoted
    before_pronoun = before_pronoun or following in _ORDINALS or following in _FREQUENCY
    # "the summary table rather than …", "the booking sheet together with …": an adverb or a
    # comparison after the phrase may still belong to it, so where it ends is not clear
    before_pronoun = before_pronoun or following in _OPEN_AFTER
    if not body or (not led and len(body) < 2) or after_adverb or gerund or before_pronoun:
        return None, max(end + after_verb, start + 1)
    while body and body[-1].lower() in FUNCTION_WORDS:
        body = body[:-1]
    headless = not body or body[-1].lower() in MODIFIERS  # "the main" of "the main thing"
    if headless or (not led and len(body) < 2) or any(w.lower() in EMPTY_NOUNS for w in body):
        return None, max(end + after_verb, start + 1)
    opener = words_in[start]
    lead = [opener.lower() if opener in ("The", "A", "An") else opener] if led else []
    return " ".join(lead + list(body)), max(end + after_verb, start + 1)


_ORDINALS = frozenset({"first", "second", "third", "last", "next", "final"})
# "every cash transaction twice": how often may belong to the phrase or to the verb
_FREQUENCY = frozenset({"once", "twice", "thrice"})
_OPEN_AFTER = _word_set(
    "rather instead together enough only even still already always never often usually sometimes "
    "ever besides despite along above below beneath throughout"
)
_HEAD_PREPOSITIONS = _word_set("of with than and for about on in at by from or")
_COUNTS = _word_set("two three four five six seven eight nine ten twelve twenty hundred")


def head_nouns(text: str, unsure: Sequence[str] = ()) -> list[str]:
    """Single nouns of `text` that are whole where they stand, for a transition when no
    longer phrase is fresh: a determiner or a count and one word ("an emergency", "his feet")
    or a plural after a preposition ("faster than rules"), the word ending its clause or
    followed by a function word — never the first part of a compound, never a verb form."""
    heard = frozenset(w.lower() for w in unsure)
    found: list[str] = []
    for piece in _sentence_pieces(text):
        words_in = tokens(piece)
        for k in range(1, len(words_in)):
            word, before = words_in[k].lower(), words_in[k - 1].lower()
            following = words_in[k + 1].lower() if k + 1 < len(words_in) else ""
            if following and (following not in FUNCTION_WORDS or following in _ORDINALS):
                continue
            if following in _FREQUENCY or word in heard or not _plain_noun(word):
                continue
            if before in DETERMINERS or before in _COUNTS:
                found.append(f"{words_in[k - 1]} {words_in[k]}")
            elif before in _HEAD_PREPOSITIONS and _third_person(word):
                found.append(words_in[k])
    return found


def _plain_noun(word: str) -> bool:
    excluded = FUNCTION_WORDS | EMPTY_NOUNS | MODIFIERS | VERBS | _LEADING_ADVERBS
    if word in excluded or len(word) < 3 or not word.isalpha():
        return False
    return not word.endswith(("ly", "ing", "ed", "wards"))


_AUXILIARIES = _word_set(
    "is are was were be been have has had can could will would should must may might do does "
    "did isn't aren't wasn't weren't don't doesn't didn't can't won't 're 've"
)


def _subjects_verb(words_in: Sequence[str], position: int) -> bool:
    """In a phrase that opens its clause (its subject), a common verb's -s or past form, or
    its plain form after a plural, is the clause's verb: "tendon tissue adapts to …", "the
    gauge reads …", "two big tables order …", "the food reached forty minutes"."""
    word = words_in[position].lower()
    following = words_in[position + 1].lower() if position + 1 < len(words_in) else ""
    if not verb_form(word) or following in _AUXILIARIES:
        return False  # "the patient records are kept …": a noun, the verb comes after
    marked = _third_person(word) or word.endswith("ed")
    return marked or _third_person(words_in[position - 1].lower())


def _third_person(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def _takes_object(words_in: Sequence[str], position: int) -> bool:
    """A word before an object pronoun is read as a verb ("the customer contacts you"). "The
    small tests you do" reads the same way, so its phrase loses its head and is not quoted:
    ambiguous words are left unquoted rather than risk a cut."""
    following = words_in[position + 1].lower() if position + 1 < len(words_in) else ""
    word = words_in[position].lower()
    # only a word that can be a verb: "a cardiac arrest you may …" keeps its noun
    verb_form = word in VERBS or _third_person(word) or word.endswith("ed")
    return following in OBJECT_PRONOUNS and verb_form


def _relative_that(words_in: Sequence[str], start: int) -> bool:
    """ "that"/"this" before a plural is no determiner ("the metrics that managers look at")."""
    if words_in[start].lower() not in ("that", "this") or start + 1 >= len(words_in):
        return False
    following = words_in[start + 1].lower()
    # "… that giving people a choice matters", "a group that got loud": no determiner either
    if following.endswith(("ing", "ed")) or following in VERBS:
        return True
    return following.endswith("s") and not following.endswith(("ss", "us", "is"))


def _noun_after_noun(words_in: Sequence[str], position: int) -> bool:
    """A verb-looking word straight after a noun and before a preposition or the end of the
    clause ("… count check to …", "… the patient record.") is the head of the noun phrase."""
    following = words_in[position + 1].lower() if position + 1 < len(words_in) else ""
    return following in ("", "to", "for", "in", "on", "at", "with")


def _verb_like(word: str, words_in: Sequence[str], position: int) -> bool:
    """A past or -ing form followed by a determiner, pronoun or nothing reads as a verb
    ("the nurse called the doctor"), not as part of the noun phrase ("the failed payment");
    so does an -s form before the opening of an object or a clause ("the tagging misses an
    urgent ticket", "the cause tag matters because …"), not a plural ("the patient records")."""
    following = words_in[position + 1].lower() if position + 1 < len(words_in) else ""
    if _third_person(word):
        # "the card terminal stops working", "every resident gets a slot"
        return following in _OBJECT_OPENERS or following.endswith("ing")
    if not word.endswith(("ed", "ing")):
        return False
    # "two students started flicking water": a past form before an -ing form is a verb too
    return not following or following in FUNCTION_WORDS or following.endswith("ing")


def whole_wherever_said(quote: str, sources: Iterable[str]) -> bool:
    """Whether every run of two content words or more that `quote` shares with one of
    `sources` (the candidate's other answers) is whole there too: "incomplete records" said
    whole in one answer but as "incomplete records three days before …" in another reads as
    cut there."""
    quoted = [t.lower() for t in tokens(quote)]
    for source in sources:
        said = [t.lower() for t in tokens(source)]
        for run in _shared_runs(quoted, said):
            own = [w for w in run if w not in FUNCTION_WORDS]
            if len(own) >= 2 and not is_whole_quote(" ".join(run), source):
                return False
    return True


def _shared_runs(quoted: Sequence[str], said: Sequence[str]) -> list[Sequence[str]]:
    """The longest runs of two words or more of `quoted` found in `said`, each not part of a
    longer one that starts earlier."""
    runs: list[Sequence[str]] = []
    for start in range(len(quoted)):
        end = next(
            (e for e in range(len(quoted), start + 1, -1) if _found(quoted[start:e], said)), None
        )
        if end is not None and (start == 0 or not _found(quoted[start - 1 : end], said)):
            runs.append(quoted[start:end])
    return runs


def _found(run: Sequence[str], said: Sequence[str]) -> bool:
    width = len(run)
    return any(list(said[k : k + width]) == list(run) for k in range(len(said) - width + 1))


def is_whole_quote(quote: str, source: str) -> bool:
    """Whether `quote` is a whole phrase of `source`: found there on word boundaries, not
    ending on a function word, and not stopping in the middle of a run of content words (a
    verb may follow it: "the customer" of "the customer contacts you")."""
    quoted = [t.lower() for t in tokens(quote)]
    said = [t.lower() for t in tokens(source)]
    if not quoted or quoted[-1] in FUNCTION_WORDS:
        return False
    width = len(quoted)
    for start in range(len(said) - width + 1):
        if said[start : start + width] != quoted:
            continue
        following = said[start + width] if start + width < len(said) else None
        if following is None or _ends_clause(source, quote):
            return True
        if following in _OPEN_AFTER:  # "the summary table" of "… table rather than …"
            continue
        if following in FUNCTION_WORDS:
            return True
        after = start + width
        if following in VERBS or _takes_object(said, after) or _verb_like(following, said, after):
            return True  # a verb follows: "the customer" of "the customer calls"
    return False


def _ends_clause(source: str, quote: str) -> bool:
    """The quote is followed by punctuation in the source (a clause or phrase ends there)."""
    pattern = r"\s+".join(re.escape(t) for t in tokens(quote))
    return bool(re.search(pattern + r"\s*[.!?;:,)\"\u201d\u2013\u2014-]", source, re.IGNORECASE))


def word_chunks(text: str) -> list[str]:
    """`text` word by word, each with its following space: the chunks join back to `text`."""
    pieces = text.split(" ")
    return [p if i == len(pieces) - 1 else p + " " for i, p in enumerate(pieces)]
