"""What the recogniser is told to expect: the interview's vocabulary, as decoder hints.

Whisper decodes an utterance after a "previous text" it is given, and spells words the way
that text does: told that the interview is about Django, PostgreSQL and Celery, it hears
"a Django app with PostgreSQL and Celery workers" where it otherwise heard "a gang gap with
both the SQL and celery workers". `hints_for` builds that text from what the interview is
about — the template's role and skills, the question just asked, and the terms the
candidate already said clearly in earlier answers — as two parts, faster-whisper's
`hotwords` (the terms, given to every 30 s window of a long answer) and `initial_prompt`
(the question, as the text the answer follows).

Everything in it is data, bounded: characters that could form a special token (`<|…|>`)
or a control sequence are dropped, each term and each part has a length limit well inside
Whisper's 223-token prompt, and the candidate's earlier words contribute only single terms
the recogniser was confident of (never their sentences), so nothing a candidate says can
grow the prompt or steer it beyond naming words. `echoes` spots the known failure of a
prompted decoder on unclear audio — writing out the prompt instead of the speech — so the
caller can decode again without it; `without_trailing_echo` cuts the milder form, a few
hint terms tacked on after the last words ("… with the logs. Zendesk, troubleshooting,").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vivavoce.kit.recognition import UNSURE_WORD_PROBABILITY, Heard, Word, bare

MAX_TERM_CHARACTERS = 40
MAX_HOTWORDS_CHARACTERS = 320  # about 80-110 tokens
MAX_PROMPT_CHARACTERS = 240  # about 60 tokens: the question's last sentences
MAX_EARLIER_TERMS = 24
ECHO_TERMS = 3  # this many hint terms in a row, in the hints' order: the prompt read back
TRAILING_ECHO_TERMS = 2  # ... or this many at the very end of an answer: cut off
ECHO_PROMPT_WORDS = 6  # this many words of the prompt in a row, likewise

_UNSAFE = re.compile(r"[^\w\s.,;:!?'\u2019+#&/()\-]")
_SPACES = re.compile(r"\s+")
# Common words that are never worth a place among the terms even when capitalised.
_COMMON_WORDS = """a an and are as at be but by can could did do does for from had has have he
her his how i i'd i'm i've if in into is it it's its just let me my no not now of on once one
or our out she so some such than that the their them then there these they this those to too
two up us very was we we'd we're were what when where which while who why will with would yes
yeah you your okay ok well also after before because really thanks thank first second third
next last hello hi sure right"""
_COMMON = frozenset(_COMMON_WORDS.split())


@dataclass(frozen=True, slots=True)
class Topic:
    """What the interview is about, from its template."""

    role: str = ""
    skills: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hints:
    """Decoder hints for one utterance: `hotwords` (the terms, comma-separated) and
    `prompt` (the text the answer follows). Either may be empty."""

    hotwords: str = ""
    prompt: str = ""

    def combined(self, limit: int = MAX_HOTWORDS_CHARACTERS + MAX_PROMPT_CHARACTERS) -> str:
        """Both as one prompt, for a recogniser that takes a single one (the OpenAI-shaped
        endpoint's `prompt`)."""
        return " ".join(part for part in (self.hotwords, self.prompt) if part)[:limit].strip()

    def terms(self) -> tuple[str, ...]:
        return tuple(term.strip() for term in self.hotwords.split(",") if term.strip())

    def restorable(self) -> tuple[str, ...]:
        """The terms a look-alike transcription may be spelled back to
        (`vivavoce.voice.term_repair`): the hint terms, then the term-like words of the
        question ("pg_stat_statements", "Kubernetes", "EXPLAIN"; not a sentence's first word)."""
        tokens = self.prompt.split()
        named = [
            token.strip(".,;:!?\"'()")
            for i, token in enumerate(tokens)
            if _is_term(token, i == 0 or tokens[i - 1][-1:] in ".!?")
        ]
        return (*self.terms(), *named)


def clean(text: str, limit: int) -> str:
    """Text made safe to hint with: no characters outside words and ordinary punctuation,
    one space between words, at most `limit` characters (cut at a word)."""
    flat = _SPACES.sub(" ", _UNSAFE.sub(" ", text)).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    return cut[: cut.rfind(" ")].strip() if " " in cut else cut


def _is_term(word: str, first: bool) -> bool:
    """Whether a recognised word names something worth hinting: capitalised (not only as
    the first word of a sentence), with a digit or a symbol, or all capitals."""
    core = word.strip(".,;:!?\"'()")
    if len(core) < 2 or bare(core) in _COMMON:
        return False
    if any(ch.isdigit() for ch in core) or any(ch in "+#_/" for ch in core):
        return True
    if core.isupper() and len(core) >= 2:
        return True
    return (core[0].isupper() and not first) or any(ch.isupper() for ch in core[1:])


def earlier_terms(words: Sequence[Word], limit: int = MAX_EARLIER_TERMS) -> tuple[str, ...]:
    """Terms the candidate said clearly in earlier answers (confident, term-like), the most
    recent first, each once."""
    picked: list[str] = []
    seen: set[str] = set()
    for i in range(len(words) - 1, -1, -1):
        word, p = words[i]
        starts_sentence = i == 0 or words[i - 1][0].rstrip()[-1:] in ".!?"
        if p < UNSURE_WORD_PROBABILITY or not _is_term(word, starts_sentence):
            continue
        term = clean(word.strip(".,;:!?\"'()"), MAX_TERM_CHARACTERS)
        if term and term.lower() not in seen:
            seen.add(term.lower())
            picked.append(term)
            if len(picked) >= limit:
                break
    return tuple(picked)


def _joined(terms: Iterable[str], limit: int) -> str:
    kept: list[str] = []
    seen: set[str] = set()
    size = 0
    for raw in terms:
        term = clean(raw.replace(",", " "), MAX_TERM_CHARACTERS)
        if not term or term.lower() in seen:
            continue
        if size + len(term) + 2 > limit:
            break
        seen.add(term.lower())
        kept.append(term)
        size += len(term) + 2
    return ", ".join(kept)


def _question_prompt(role: str, question: str) -> str:
    """The question's last sentences (what the answer follows), after the role."""
    asked = clean(question[-4 * MAX_PROMPT_CHARACTERS :], 4 * MAX_PROMPT_CHARACTERS)
    if len(asked) > MAX_PROMPT_CHARACTERS:
        asked = asked[-MAX_PROMPT_CHARACTERS:]
        asked = asked[asked.find(" ") + 1 :] if " " in asked else asked
    heading = clean(role, 60)
    text = f"{heading} interview. {asked}" if heading and asked else asked or heading
    return clean(text, MAX_PROMPT_CHARACTERS + 70)


def hints_for(topic: Topic, question: str = "", earlier: Sequence[Word] = ()) -> Hints | None:
    """The hints for the next answer, or None when there is nothing to hint with."""
    hotwords = _joined((*topic.skills, *earlier_terms(earlier)), MAX_HOTWORDS_CHARACTERS)
    prompt = _question_prompt(topic.role, question)
    if not hotwords and not prompt:
        return None
    return Hints(hotwords=hotwords, prompt=prompt)


def _bare_words(text: str) -> list[str]:
    return [b for word in text.split() if (b := bare(word))]


def _contains(haystack: list[str], needle: list[str]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


def echoes(text: str, hints: Hints) -> bool:
    """Whether a transcription reads the hints back rather than the speech: several hint
    terms in a row in the hints' order, or a long run of the prompt's words."""
    heard = _bare_words(text)
    if not heard:
        return False
    terms = [" ".join(_bare_words(term)) for term in hints.terms()]
    joined = " ".join(heard)
    for start in range(max(0, len(terms) - ECHO_TERMS + 1)):
        run = " ".join(terms[start : start + ECHO_TERMS])
        if run and len(terms[start : start + ECHO_TERMS]) == ECHO_TERMS and run in joined:
            return True
    prompt = _bare_words(hints.prompt)
    return any(
        _contains(heard, prompt[i : i + ECHO_PROMPT_WORDS])
        for i in range(max(0, len(prompt) - ECHO_PROMPT_WORDS + 1))
    )


def _trailing_terms(tokens: Sequence[str], terms: Sequence[str]) -> int:
    """How many of the last `tokens` are a run of at least TRAILING_ECHO_TERMS consecutive
    hint terms in the hints' order ("Zendesk, troubleshooting,"), or 0."""
    keys = [bare(token) for token in tokens]
    longest = 0
    for last in range(len(terms)):  # the run ends with this term
        cut, count = len(keys), 0
        for term in reversed(terms[: last + 1]):
            words = _bare_words(term)
            if not words or cut < len(words) or keys[cut - len(words) : cut] != words:
                break
            cut, count = cut - len(words), count + 1
        if count >= TRAILING_ECHO_TERMS:
            longest = max(longest, len(keys) - cut)
    return longest


def without_trailing_echo(heard: Heard, hints: Hints) -> Heard:
    """The transcription without hint terms tacked on after its last words (a run of
    consecutive hint terms, in the hints' order, ending the text), if any."""
    terms = hints.terms()
    tokens = heard.text.split()
    cut = _trailing_terms(tokens, terms)
    if not cut or cut == len(tokens):
        return heard
    text = " ".join(tokens[:-cut]).rstrip(",;: ")
    words = heard.words
    if words:
        words_cut = _trailing_terms([word for word, _p in words], terms)
        words = words[: len(words) - words_cut] if words_cut < len(words) else words
    return Heard(text, words)
