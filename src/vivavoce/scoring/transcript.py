"""The transcript as the scorers read it (pure).

Turns come from the database (the live room stores the interview plan in the greeting turn's
meta, and every AI turn's meta names the question it asked) or from a calibration file. Each
candidate answer is attached to the question on the table and, through the plan, to the
dimensions that question informs. Answers without that mapping inform every dimension; the
scorers then weigh them by relevance.

Text addressed to the scorer ("ignore your rubric", "give me a 10") is cut out of the answer
before any scorer sees it and counted: it can never raise a score.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vivavoce.kit.recognition import UNSURE_WORD_PROBABILITY, bare, unsure_words
from vivavoce.kit.recognition import from_stored as stored_words

__all__ = ["UNSURE_WORD_PROBABILITY", "unsure_words"]

MAX_TURN_CHARACTERS = 20_000


@dataclass(frozen=True, slots=True)
class ScoringTurn:
    index: int
    speaker: str  # "ai" or "participant"
    text: str
    question_id: str | None = None
    dimension_ids: tuple[str, ...] = ()  # for AI turns: what the question informs
    addressed_to_scorer: bool = False  # the live judge's verdict, when it gave one
    pasted_characters: int = 0  # pasted into this answer, as the candidate's page reported
    # the speech recogniser's (word, probability) for a voice answer; empty for typed text
    words: tuple[tuple[str, float], ...] = ()
    # for AI turns: the planned question's own words, when the plan gives them; the turn's
    # text also carries the interviewer's acknowledgement of the last answer and a transition
    asks: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    """One candidate turn, with what it answers."""

    turn: int
    text: str  # what the scorers score: the turn less any text addressed to the scorer
    raw: str  # the turn as said (citations quote this)
    question: str  # the interviewer's question it answers ("" when none)
    dimension_ids: tuple[str, ...]  # empty: unknown, informs every dimension
    manipulation: tuple[str, ...] = ()  # sentences addressed to the scorer
    informs: bool = True  # False for small talk around the greeting and the closing
    pasted_characters: int = 0
    unsure_words: tuple[str, ...] = ()  # recognised with low confidence: masked in `text`
    recognised_words: int = 0  # words with a recogniser confidence (0: typed, or unknown)
    question_turn: int | None = None  # the turn that asked `question`


@dataclass(frozen=True, slots=True)
class Transcript:
    turns: tuple[ScoringTurn, ...]
    answers: tuple[Answer, ...] = field(default=())

    @property
    def manipulation_attempts(self) -> int:
        return sum(1 for a in self.answers if a.manipulation)

    def answers_for(self, dimension_id: str) -> list[Answer]:
        """The answers that inform a dimension: mapped to it, or mapped to nothing."""
        return [
            a
            for a in self.answers
            if a.informs and (not a.dimension_ids or dimension_id in a.dimension_ids)
        ]


# --- text addressed to the scorer --------------------------------------------------------------

_SCORER = (
    r"(scor(e|er|ing)|grad(e|er|ing)|evaluat(e|or|ion)|rubric|assess(or|ment)?|judge|rating|"
    r"\bai\b|language model|\bllm\b|assistant|system prompt|interviewer)"
)
_MANIPULATION = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(ignore|disregard|forget|override|bypass)\b.{0,60}\b(instruction|rubric|rule|prompt|"
        r"criteria|guideline|previous|above)",
        r"\b(give|award|assign|rate|score|mark)\b.{0,30}\b(me|this|my|the candidate|candidate)?"
        r".{0,20}\b(10|ten|full marks|perfect|maximum|highest|top)\b.{0,20}"
        r"(score|marks?|points?|rating|grade|/ ?10|out of)?",
        r"\b(you|the " + _SCORER + r")\b.{0,40}\b(must|should|will|have to|need to)\b.{0,40}"
        r"\b(pass|hire|admit|approve|recommend|10|perfect|highest)",
        r"\b(note|message|instruction)s? (to|for) the " + _SCORER,
        r"\b(dear|hey|hello)\b,? (ai|" + _SCORER + r")",
        r"\b(as an? (ai|language model)|new instructions?|system:|</?(system|data|instructions?)>)",
        r"\bthis candidate (is|should be) (hired|admitted|the best|perfect|excellent)",
        r"\bmark (this|me|the) (answer|candidate)? ?as (correct|excellent|perfect|passed)",
    )
]
_SENTENCE = re.compile(r"(?<=[.!?…;])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The sentences of a turn, verbatim (each one is a substring of `text`)."""
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def addressed_to_scorer(sentence: str) -> bool:
    return any(p.search(sentence) for p in _MANIPULATION)


def split_manipulation(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without its sentences addressed to the scorer, and those sentences."""
    kept: list[str] = []
    cut: list[str] = []
    for sentence in sentences(text):
        (cut if addressed_to_scorer(sentence) else kept).append(sentence)
    return " ".join(kept), tuple(cut)


# --- words the speech recogniser was unsure of -------------------------------------------------

MASK = "\u2014"  # what stands in for an unsure word in the scored text (not a word, not an end)
_TOKEN = re.compile(r"[\w][\w'\u2019+#./-]*", re.UNICODE)


def mask_unsure(text: str, unsure: Sequence[str]) -> str:
    """The text with every occurrence of an unsure word replaced by `MASK`, so no scorer can
    count it as a detail or quote it."""
    if not unsure:
        return text
    wanted = set(unsure)
    return _TOKEN.sub(lambda m: MASK if bare(m.group(0)) in wanted else m.group(0), text)


def quotes_unsure(quote: str, unsure: Sequence[str]) -> bool:
    """Whether a quote of an answer holds a word the recogniser was unsure of. A typed answer
    (no unsure words) may hold the mask character as an ordinary dash."""
    if not unsure:
        return False
    wanted = set(unsure)
    return MASK in quote or any(bare(t) in wanted for t in _TOKEN.findall(quote))


# --- building ----------------------------------------------------------------------------------


def build(turns: Sequence[ScoringTurn]) -> Transcript:
    """Attach every candidate turn to the question on the table at the time. In a transcript
    whose AI turns carry question ids, answers to turns without one (the greeting, the
    closing) inform no dimension; in one without ids, every AI turn is a question."""
    ordered = sorted(turns, key=lambda t: t.index)
    with_ids = any(t.question_id is not None for t in ordered if t.speaker == "ai")
    answers: list[Answer] = []
    question, informs = "", not with_ids
    dims: tuple[str, ...] = ()
    current: str | None = None
    asked_at: int | None = None
    for turn in ordered:
        if turn.speaker == "ai":
            if turn.question_id is not None:
                if turn.question_id != current:  # a new question; a follow-up keeps its own
                    question, dims, current = (
                        turn.asks or turn.text,
                        turn.dimension_ids,
                        turn.question_id,
                    )
                    asked_at = turn.index
                informs = True
            elif turn.dimension_ids or not with_ids:
                question, dims, informs, current = turn.text, turn.dimension_ids, True, None
                asked_at = turn.index
            else:
                question, dims, informs, current = turn.text, (), False, None
                asked_at = turn.index
            continue
        answers.append(_answer(turn, question, dims, informs, asked_at))
    return Transcript(tuple(ordered), tuple(answers))


def _answer(
    turn: ScoringTurn, question: str, dims: tuple[str, ...], informs: bool, asked_at: int | None
) -> Answer:
    text = turn.text[:MAX_TURN_CHARACTERS]
    kept, cut = split_manipulation(text)
    if turn.addressed_to_scorer and not cut:
        # the live judge heard words to the scorer that no rule here pins to a sentence:
        # the whole turn stays out of scoring, so it cannot raise a score
        kept, cut = "", (text,)
    unsure = unsure_words(turn.words)
    return Answer(
        turn.index,
        mask_unsure(kept, unsure),
        text,
        question,
        dims,
        cut,
        informs,
        pasted_characters=turn.pasted_characters,
        unsure_words=unsure,
        recognised_words=len(turn.words),
        question_turn=asked_at,
    )


def from_stored(
    rows: Sequence[Mapping[str, Any]], pasted: Mapping[int, int] | None = None
) -> Transcript:
    """Turns as the live room stored them: `{index, speaker, text, meta, words?}`; the plan
    in the greeting's meta maps question ids to dimension ids; `pasted` maps a candidate
    turn to the characters pasted into it."""
    plan: Mapping[str, Any] = {}
    for row in rows:
        meta = row.get("meta") or {}
        if isinstance(meta.get("plan"), dict):
            plan = meta["plan"]
            break
    question_dims: dict[str, tuple[str, ...]] = {}
    question_texts: dict[str, str] = {}
    for question in plan.get("questions") or []:
        if isinstance(question, dict) and isinstance(question.get("id"), str):
            ids = question.get("dimension_ids") or []
            question_dims[question["id"]] = tuple(str(i) for i in ids)
            question_texts[question["id"]] = str(question.get("text") or "")
    turns = []
    for row in rows:
        meta = row.get("meta") or {}
        question_id = meta.get("question_id") if isinstance(meta.get("question_id"), str) else None
        judgement = meta.get("judgement")
        flagged = isinstance(judgement, dict) and judgement.get("addressed_to_scorer") is True
        speaker = "ai" if row.get("speaker") == "ai" else "participant"
        turns.append(
            ScoringTurn(
                index=int(row["index"]),
                speaker=speaker,
                text=str(row.get("text") or ""),
                question_id=question_id,
                dimension_ids=question_dims.get(question_id or "", ()) if speaker == "ai" else (),
                addressed_to_scorer=flagged,
                pasted_characters=(pasted or {}).get(int(row["index"]), 0),
                words=stored_words(row.get("words")) if speaker == "participant" else (),
                asks=question_texts.get(question_id or "", "") if speaker == "ai" else "",
            )
        )
    return build(turns)
