"""How closely a candidate's answer matches a model-written answer to the same question
(`scripted_answer_similarity`, SPEC §4).

Lexical on purpose: the cosine similarity of character 3- to 5-gram counts over the
normalised text (lower case, letters and digits only, single spaces). It needs no model, runs
in microseconds, works in any alphabet, and is robust to small edits (a changed word, typos,
punctuation) while two people's independent answers to one question rarely pass ~0.6. It does
not see through a paraphrase: an answer the candidate had a model write and then reworded
scores lower, which is why the figure is reported for a person to read, never a verdict.
Semantic embeddings would catch more paraphrase; they can replace `similarity` behind the same
signature.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Protocol

from vivavoce.interviewer.plan import InterviewPlan, PlannedQuestion

NGRAM_SIZES = (3, 4, 5)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def ngrams(text: str) -> Counter[str]:
    padded = f" {normalise(text)} "
    counts: Counter[str] = Counter()
    for size in NGRAM_SIZES:
        counts.update(padded[i : i + size] for i in range(max(0, len(padded) - size + 1)))
    return counts


def similarity(answer: str, reference: str) -> float:
    """0.0 (nothing in common) to 1.0 (the same text up to case and punctuation)."""
    a, b = ngrams(answer), ngrams(reference)
    if not a or not b:
        return 0.0
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return min(1.0, dot / norm) if norm else 0.0


class ModelAnswerer(Protocol):
    """Writes the answer a well-prepared candidate might give (an LLM provider); None when it
    cannot. Called off the hot path, once per question; never raises."""

    async def model_answer(self, plan: InterviewPlan, question: PlannedQuestion) -> str | None: ...
