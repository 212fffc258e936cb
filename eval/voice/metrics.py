"""Word error rate and domain-term accuracy, on normalised words.

Both sides are compared as lowercase words without punctuation; `_`, `-` and `/` split words
("pg_stat_statements" and "PG stat statements" are the same three words), and numbers
written as digits are spelled out ("3" is "three"), since either way of writing them is
right. A domain term counts as heard when its words, run together, are those of a run of
consecutive heard words ("Node.js" matches "node js" and "nodejs"; "SQL" does not match
inside "PostgreSQL").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SPLIT = re.compile(r"[\s_/\-\u2013\u2014]+")
_KEEP = re.compile(r"[^a-z0-9']")
_ONES_WORDS = """zero one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen"""
_ONES = _ONES_WORDS.split()
_TENS_WORDS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = _TENS_WORDS.split()


def spelled(number: int) -> list[str]:
    """0-999 in words ("forty two"); larger numbers stay as digits."""
    if number < 20:
        return [_ONES[number]]
    if number < 100:
        tens, ones = divmod(number, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return [_ONES[hundreds], "hundred"] + (spelled(rest) if rest else [])
    return [str(number)]


def words(text: str) -> list[str]:
    out: list[str] = []
    for raw in _SPLIT.split(text.lower().replace("%", " percent")):
        word = _KEEP.sub("", raw.replace("\u2019", "'")).strip("'")
        if not word:
            continue
        out.extend(spelled(int(word)) if word.isdigit() else [word])
    return out


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def term_heard(term: str, heard: Sequence[str]) -> bool:
    wanted = "".join(words(term))
    size = len(words(term))
    for length in range(1, size + 3):
        for start in range(len(heard) - length + 1):
            if "".join(heard[start : start + length]) == wanted:
                return True
    return False
