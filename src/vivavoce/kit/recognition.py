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
