"""Hint terms the recogniser heard as look-alike words, spelled back as the interview spells them.

The decoder hints (`vivavoce.voice.bias`) make Whisper more likely to hear "PostgreSQL", but a
small model in noise still writes what it heard as ordinary words: "Postker SQL", "hepperin",
"cuban eighties". `restored` compares every short run of heard words with each hint term by
sound (Metaphone keys) and by spelling (Jaro-Winkler similarity of the letters, both from
`jellyfish`) and puts the term in its place when both agree closely.

It only ever writes a term the interview itself named (a skill, a word of the question, a
term the candidate said clearly before), so it cannot invent vocabulary; and where the
recogniser gives word confidences it only rewrites a run that holds a word it was unsure of,
so a clearly heard plain word ("readies", "epic") stays as it was. Without confidences (an
endpoint that returns text only) a run is rewritten only when it sounds exactly like the
term. A restored word keeps the lowest confidence of the words it replaces: the scorers and
the interviewer treat it no more surely than what was heard.

The recognisers apply it only when `VIVAVOCE_STT_TERM_REPAIR` is on (off by default: on the
speech evaluation's holdout it fixed as many terms as it broke; docs/voice.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import jellyfish

from vivavoce.kit.recognition import UNSURE_WORD_PROBABILITY, Heard, Word

MIN_KEY_LETTERS = 4  # shorter terms ("SQL", "AWS") sound like too many ordinary words
MAX_EXTRA_WORDS = 1  # a term of n words may have been heard as up to n + 1 words
SOUND_SIMILARITY = 0.9  # Jaro-Winkler of the Metaphone keys
SPELLING_SIMILARITY = 0.8  # Jaro-Winkler of the letters
SPELLING_SIMILARITY_UNGATED = 0.9  # without word confidences, and the sound must match exactly

_LETTERS = re.compile(r"[^a-z0-9]")
_TRAILING = re.compile(r"[.,;:!?\"')\u201d\u2019]+$")


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    key: str  # its letters, lowercase
    sound: str  # the Metaphone key of `key`
    words: int


@dataclass(frozen=True, slots=True)
class _Repair:
    start: int
    end: int  # exclusive
    term: _Term
    similarity: float


def _key(text: str) -> str:
    return _LETTERS.sub("", text.lower())


def _terms(candidates: Sequence[str]) -> list[_Term]:
    terms: dict[str, _Term] = {}
    for text in candidates:
        key = _key(text)
        if len(key) >= MIN_KEY_LETTERS and key not in terms and not key.isdigit():
            terms[key] = _Term(text, key, jellyfish.metaphone(key), len(text.split()))
    return list(terms.values())


def _match(window: Sequence[Word], term: _Term, gated: bool) -> float | None:
    """How closely a run of heard words matches `term` (None: not close enough, or heard
    right already)."""
    key = "".join(_key(word) for word, _p in window)
    if not key or key == term.key:
        return None
    sound = jellyfish.jaro_winkler_similarity(jellyfish.metaphone(key), term.sound)
    spelling = jellyfish.jaro_winkler_similarity(key, term.key)
    if gated:
        if not any(p < UNSURE_WORD_PROBABILITY for _word, p in window):
            return None
        # words run together into one term must sound exactly like it ("table in" is not
        # "Tableau", "Postker SQL" is "PostgreSQL")
        close = sound == 1.0 if len(window) != term.words else sound >= SOUND_SIMILARITY
        ok = close and spelling >= SPELLING_SIMILARITY
    else:
        ok = sound == 1.0 and spelling >= SPELLING_SIMILARITY_UNGATED
    return (sound + spelling) / 2 if ok else None


def _sizes(term: _Term) -> range:
    return range(max(1, term.words - 1), term.words + MAX_EXTRA_WORDS + 1)


def _heard_right(words: Sequence[Word], terms: Sequence[_Term]) -> set[int]:
    """The positions of words that already spell a term (one word heard as three:
    "pg stat statements")."""
    keys = [_key(word) for word, _p in words]
    wanted = {term.key for term in terms}
    longest = max(len(key) for key in wanted)
    right: set[int] = set()
    for start in range(len(keys)):
        spelled = ""
        for end in range(start, len(keys)):
            spelled += keys[end]
            if len(spelled) > longest:
                break
            if spelled in wanted and keys[start]:
                right |= set(range(start, end + 1))
    return right


def _repairs(words: Sequence[Word], terms: Sequence[_Term], gated: bool) -> list[_Repair]:
    """The best non-overlapping repairs, most similar first, away from terms heard right."""
    found: list[_Repair] = []
    for term in terms:
        for size in _sizes(term):
            for start in range(len(words) - size + 1):
                similarity = _match(words[start : start + size], term, gated)
                if similarity is not None:
                    found.append(_Repair(start, start + size, term, similarity))
    kept: list[_Repair] = []
    taken = _heard_right(words, terms)
    for repair in sorted(found, key=lambda r: (-r.similarity, r.start)):
        span = set(range(repair.start, repair.end))
        if not span & taken:
            taken |= span
            kept.append(repair)
    return sorted(kept, key=lambda r: r.start)


def _replacement(words: Sequence[Word], repair: _Repair) -> Word:
    replaced = words[repair.start : repair.end]
    trailing = _TRAILING.search(replaced[-1][0])
    text = repair.term.text + (trailing.group(0) if trailing else "")
    return text, min(p for _word, p in replaced)


def _applied(words: Sequence[Word], repairs: Sequence[_Repair]) -> list[Word]:
    out: list[Word] = []
    position = 0
    for repair in repairs:
        out.extend(words[position : repair.start])
        out.append(_replacement(words, repair))
        position = repair.end
    out.extend(words[position:])
    return out


def _spans(text: str, words: Sequence[Word]) -> list[tuple[int, int]] | None:
    """Where each word sits in `text`, in order, or None when one cannot be found."""
    spans: list[tuple[int, int]] = []
    position = 0
    for word, _p in words:
        at = text.find(word, position)
        if at < 0:
            return None
        spans.append((at, at + len(word)))
        position = at + len(word)
    return spans


def _rewritten(text: str, words: Sequence[Word], repairs: Sequence[_Repair]) -> str:
    """`text` with each repaired run replaced in place, so the rest keeps its spelling and
    spacing ("eye-impotency" is two recognised words); the words joined if they cannot all
    be placed."""
    spans = _spans(text, words)
    if spans is None:
        return " ".join(word for word, _p in _applied(words, repairs))
    out, position = [], 0
    for repair in repairs:
        start, end = spans[repair.start][0], spans[repair.end - 1][1]
        out += [text[position:start], _replacement(words, repair)[0]]
        position = end
    return "".join([*out, text[position:]])


def restored(heard: Heard, candidates: Sequence[str]) -> Heard:
    """`heard` with runs of words that sound and look like one of the `candidates` terms
    replaced by the term, spelled as given; unchanged when nothing is close."""
    terms = _terms(candidates)
    if not terms or not heard.text:
        return heard
    gated = bool(heard.words)
    words: Sequence[Word] = heard.words or tuple((token, 1.0) for token in heard.text.split())
    repairs = _repairs(words, terms, gated)
    if not repairs:
        return heard
    text = _rewritten(heard.text, words, repairs)
    return Heard(text, tuple(_applied(words, repairs)) if gated else ())
