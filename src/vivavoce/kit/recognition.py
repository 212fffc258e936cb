"""What a speech recogniser heard: the text, and each word with the recogniser's confidence.

Shared by the voice channel (which gets the words), the live room (which stores them with the
candidate's turn, `session_turns.words`, and tells the interviewer which words not to quote)
and the scorers (which never cite or count them). A word below `UNSURE_WORD_PROBABILITY` is
one the recogniser was unsure of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

UNSURE_WORD_PROBABILITY = 0.5  # below this, a recognised word is not trusted as evidence

Word = tuple[str, float]  # (the word as recognised, its probability, 0 to 1)


@dataclass(frozen=True, slots=True)
class Heard:
    """One transcription. `words` is empty when the recogniser gives no confidences (an
    endpoint that returns text only): then no word is taken as unsure."""

    text: str
    words: tuple[Word, ...] = ()

    def then(self, more: Heard) -> Heard:
        """This transcription followed by `more` (an answer said across a thinking pause)."""
        if not self.text:
            return more
        return Heard(f"{self.text} {more.text}".strip(), self.words + more.words)


def bare(word: str) -> str:
    """A word without its punctuation, lowercase: how unsure words are compared."""
    return word.strip().strip(".,;:!?\"'()\u201c\u201d\u2018\u2019").lower()


def unsure_words(words: Sequence[Word]) -> tuple[str, ...]:
    """The recogniser's words below `UNSURE_WORD_PROBABILITY`, in order, bare and lowercase."""
    return tuple(b for word, p in words if p < UNSURE_WORD_PROBABILITY and (b := bare(word)))


def to_stored(words: Sequence[Word]) -> list[dict[str, Any]] | None:
    """The words as `session_turns.words` holds them (`[{"word", "p"}, …]`), None for none."""
    if not words:
        return None
    return [{"word": word, "p": round(p, 3)} for word, p in words]


def from_stored(value: Any) -> tuple[Word, ...]:
    """Stored words back (`[{"word", "p"}, …]`), ignoring anything malformed."""
    if not isinstance(value, list):
        return ()
    words = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("word"), str):
            p = item.get("p")
            if isinstance(p, int | float) and not isinstance(p, bool):
                words.append((item["word"], float(p)))
    return tuple(words)


MAX_REPEATED_PHRASE_WORDS = 8
_LOOP_REPEATS = 3  # a phrase said this many times in a row is a decoder loop ...
_LONG_PHRASE_WORDS = 4  # ... and a phrase this long, even twice


def _loop_at(keys: Sequence[str], start: int) -> int:
    """The length of a phrase starting at `start` that repeats at once (a decoder loop, see
    `without_repeats`), or 0."""
    for size in range(1, MAX_REPEATED_PHRASE_WORDS + 1):
        phrase = keys[start : start + size]
        if len(phrase) < size or not all(phrase):
            return 0
        times = 1
        while keys[start + times * size : start + (times + 1) * size] == phrase:
            times += 1
        if times >= _LOOP_REPEATS or (times >= 2 and size >= _LONG_PHRASE_WORDS):
            return size
    return 0


def collapse_repeats(tokens: Sequence[str]) -> list[int]:
    """The indexes of `tokens` to keep once every phrase repeated in a row — three times, or
    twice for a phrase of four words or more — is kept once (compared bare)."""
    keys = [bare(token) for token in tokens]
    kept: list[int] = []
    i = 0
    while i < len(keys):
        size = _loop_at(keys, i)
        if not size:
            kept.append(i)
            i += 1
            continue
        kept.extend(range(i, i + size))
        phrase = keys[i : i + size]
        i += size
        while keys[i : i + size] == phrase:
            i += size
    return kept


def without_repeats(heard: Heard) -> Heard:
    """A transcription with the repeated-phrase hallucinations of Whisper's decoder kept once
    ("so right, so right, so right, locked" → "so right, locked"): on unclear audio the
    decoder can loop on a phrase, which no one says three times in a row. The words (and
    their confidences) are collapsed the same way as the text."""
    tokens = heard.text.split()
    kept_text = collapse_repeats(tokens)
    text = " ".join(tokens[i] for i in kept_text) if len(kept_text) < len(tokens) else heard.text
    if not heard.words:
        return Heard(text) if text != heard.text else heard
    kept_words = collapse_repeats([word for word, _p in heard.words])
    words = tuple(heard.words[i] for i in kept_words)
    if text == heard.text and len(words) == len(heard.words):
        return heard
    return Heard(text, words)
