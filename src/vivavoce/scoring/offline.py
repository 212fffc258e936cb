"""The offline scorer (the default): no LLM, no network.

Two kinds of evidence, combined per answer:

- *On topic* — real semantic similarity, from the bundled multilingual-e5-small model, between
  the answer and the dimension (its name, description and top anchors) and the question it
  answers. E5 similarities sit in a narrow band, so each target is calibrated against a few
  neutral sentences ("I like hiking", "I don't know"): relevance is how far the answer rises
  above that floor.
- *Substance* — what the words show: specifics (numbers, named tools and systems, concrete
  examples of what the candidate did) and reasoning (because, so that, trade-off, instead of…),
  counted as a density so padding does not help; keyword lists without sentences, generic
  buzzwords and repetition pull it down.

An answer's quality is substance gated by relevance (it is what evidence confidence compares,
reported per answer in `DimensionJudgement.evidence`); a dimension's score is placed from the
mean features of its exchanges (an answer with its follow-ups) by the fitted
`calibration.PLACEMENT`, then held to what on-topic evidence supports (`features.gated`).
Feedback and citations quote the transcript. Text addressed to the scorer never reaches this
module (see `transcript.split_manipulation`).

Limits: the substance cues are English (other languages are scored on relevance, numbers and
named things only); it cannot tell a correct technical claim from a confident wrong one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vivavoce.scoring import calibration, embeddings
from vivavoce.scoring.confidence import AnswerEvidence
from vivavoce.scoring.features import (
    AnswerFeatures,
    TextCounts,
    Vocabulary,
    answer_features,
    gated,
    mean_features,
    on_topic,
    phrased_share,
    spoken_as_meant,
    vocabulary,
)
from vivavoce.scoring.rubric import Rubric, RubricDimension
from vivavoce.scoring.scorecard import Citation, DimensionJudgement, ScorerOutput
from vivavoce.scoring.transcript import Answer, Transcript, sentences

SCORER = "offline"

NEUTRAL = (
    "I like pizza and going hiking on weekends.",
    "The weather was nice yesterday.",
    "Thank you, that is all from me.",
    "I don't know.",
    "Could you repeat the question, please?",  # the floor is the median, not the max
    "Yes, I am ready to start.",
)
RELEVANCE_SPAN = 0.07  # cosine above the neutral floor that counts as fully on topic

_FUNCTION_WORDS = frozenset(
    re.split(
        r"\s+",
        """a an the and or but if then so of to in on at by for with from into onto over under
    about as is are was were be been being am do does did have has had having i you he she it
    we they me him her us them my your his its our their this that these those there here
    what which who whom whose when where why how not no yes can could will would shall should
    may might must just also very too than because while after before until since though
    although unless whether each every all any some many much more most other such only own
    same both few again further once out up down off through during between against would
    let lets it's i'm we're they're don't doesn't didn't isn't wasn't aren't i've we've""",
    )
)
_BUZZWORDS = (
    "synergy",
    "synergies",
    "leverage",
    "leveraging",
    "passionate",
    "cutting-edge",
    "cutting edge",
    "world-class",
    "best-in-class",
    "innovative",
    "innovation",
    "disruptive",
    "paradigm",
    "stakeholders",
    "value-add",
    "deliver value",
    "drive value",
    "game-changer",
    "game changer",
    "next-level",
    "results-driven",
    "detail-oriented",
    "team player",
    "go-getter",
    "rockstar",
    "ninja",
    "thought leader",
    "holistic",
    "seamless",
    "seamlessly",
    "fast-paced",
    "fast paced",
    "outside the box",
    "move the needle",
    "best practices",
    "empower",
    "impactful",
    "visionary",
    "end-to-end",
    "mission-critical",
    "state-of-the-art",
    "dynamic",
    "robust",
    "agile",
    "excellence",
    "transformative",
)
_REASONING = (
    r"because",
    r"since",
    r"so that",
    r"so(?! much| many| far| yeah)",
    r"therefore",
    r"which means",
    r"that means",
    r"trade-?offs?",
    r"at the cost of",
    r"instead of",
    r"rather than",
    r"otherwise",
    r"unless",
    r"if",
    r"when",
    r"but",
    r"however",
    r"although",
    r"whereas",
    r"in order to",
    r"the (downside|risk|reason|catch|problem)",
    r"due to",
    r"to (avoid|prevent|reduce|limit)",
    r"(caused|causes|results? in|led to|leads to)",
    r"the (first|second) (step|thing)",
    r"measured|benchmark(ed)?|profil(ed|ing)",
)
_REASONING_RE = [re.compile(r"\b" + p + r"\b", re.IGNORECASE) for p in _REASONING]
_EXAMPLE_RE = re.compile(
    r"\b(for (example|instance)|e\.g\.|such as|in my (last|previous|current)|at my (last|"
    r"previous)|(i|we) (\w+ed|built|wrote|led|ran|made|chose|took|found|cut|set|shipped|"
    r"rewrote|broke|split|kept|gave|brought|spent|sped))\b",
    re.IGNORECASE,
)
_DONT_KNOW_RE = re.compile(
    r"\b(i (do not|don'?t|really don'?t) know|no idea|not sure|never (used|done|worked|heard)|"
    r"(i )?have no (experience|idea)|can'?t (answer|say)|pass on this)\b",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[\w][\w'\u2019+#./-]*", re.UNICODE)
_PUNCT = ".,;:!?'\u2019\"()"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the words of one answer (or sentence) show, before relevance."""

    words: int
    specifics: tuple[str, ...]
    examples: int
    reasons: int
    buzzwords: tuple[str, ...]
    function_ratio: float
    diversity: float
    dont_know: bool
    substance: float  # 0-1
    keyword_list: bool


def _is_specific(token: str, sentence_start: bool) -> bool:
    if any(c.isdigit() for c in token):
        return True
    core = token.strip(_PUNCT)
    if len(core) < 2:
        return False
    if re.search(r"[a-z][A-Z]|[_#+/]|\.[a-z]", core):  # camelCase, snake_case, C++, node.js
        return True
    if core.isupper() and len(core) <= 6 and core not in {"I", "OK", "A"}:  # SQL, AWS, p95
        return True
    return core[0].isupper() and not sentence_start and core.lower() not in _FUNCTION_WORDS


def evidence(text: str, *, english: bool = True) -> Evidence:
    tokens = _WORD_RE.findall(text)
    words = len(tokens)
    lowered = [t.lower().strip(_PUNCT) for t in tokens]
    content = [t for t in lowered if t and t not in _FUNCTION_WORDS]
    function_ratio = (words - len(content)) / words if words else 0.0
    diversity = len(set(content)) / len(content) if content else 0.0
    specifics: list[str] = []
    start = True
    for token in tokens:
        if _is_specific(token, start):
            specifics.append(token.strip(_PUNCT))
        start = token.endswith((".", "!", "?", ":"))
    examples = len(_EXAMPLE_RE.findall(text)) if english else 0
    reasons = sum(1 for p in _REASONING_RE if p.search(text)) if english else 0
    low = text.lower()
    buzz = tuple(b for b in _BUZZWORDS if re.search(r"\b" + re.escape(b) + r"\b", low))
    dont_know = bool(_DONT_KNOW_RE.search(text)) and words < 40
    distinct_specifics = tuple(dict.fromkeys(specifics))

    # counts become densities past ~70 words: padding an answer does not add evidence
    dilution = min(1.0, math.sqrt(70 / max(70, words)))
    s_spec = 1 - math.exp(-(len(distinct_specifics) + examples) * dilution / 2.5)
    s_reason = 1 - math.exp(-reasons * dilution / 1.5)
    phrased = phrased_share(text, _FUNCTION_WORDS)
    keyword_list = english and words >= 6 and phrased < 0.25
    list_factor = 1.0
    if english and words >= 6:
        list_factor = max(0.05, phrased)
    buzz_factor = max(0.15, 1 - 3.5 * len(buzz) / max(8, len(content)))
    brevity = min(1.0, words / 10)
    repetition = min(1.0, max(0.4, diversity / 0.55))
    core = 0.5 * s_spec + 0.5 * s_reason if english else 0.3 + 0.7 * s_spec
    substance = core * list_factor * buzz_factor * brevity * repetition
    if dont_know:
        substance *= 0.1
    return Evidence(
        words=words,
        specifics=distinct_specifics,
        examples=examples,
        reasons=reasons,
        buzzwords=buzz,
        function_ratio=function_ratio,
        diversity=diversity,
        dont_know=dont_know,
        substance=max(0.0, min(1.0, substance)),
        keyword_list=keyword_list,
    )


_PRONOUN_CONTRACTION = re.compile(r"^(?:I|We|You|They|He|She|It)['\u2019]\w+$")


def concrete_details(ev: Evidence) -> tuple[str, ...]:
    """The specifics worth naming in feedback: not "I'd" or "I'll", which `evidence` counts
    as capitalised words (the calibration was fitted with that count, so it stays there)."""
    return tuple(s for s in ev.specifics if not _PRONOUN_CONTRACTION.match(s))


def _content_words(text: str) -> set[str]:
    stems = set()
    for token in _WORD_RE.findall(text.lower()):
        word = token.strip(_PUNCT)
        if len(word) > 2 and word not in _FUNCTION_WORDS:
            stems.add(word[:6])  # a crude stem: "designs" and "design" meet
    return stems


def _dimension_text(dim: RubricDimension) -> str:
    top = [text for score, text in dim.anchors if score >= 7]
    return ". ".join([f"{dim.name}: {dim.description}", *top])


@dataclass
class _Scored:
    answer: Answer
    evidence: Evidence
    relevance: float
    quality: float
    features: AnswerFeatures
    question_relevance: float


@dataclass(frozen=True)
class _Vectors:
    """Everything embedded once per transcript."""

    answers: embeddings.Vectors
    dimensions: embeddings.Vectors
    dimension_floor: npt.NDArray[np.float32]
    questions: embeddings.Vectors
    question_floor: npt.NDArray[np.float32]
    question_row: dict[str, int]


def _above_floor(similarity: float, floor: float) -> float:
    return (similarity - floor) / RELEVANCE_SPAN


class OfflineScorer:
    """Scores a transcript against a rubric on this machine (CPU; one embedding per answer,
    tens of milliseconds each; rubric, question and neutral embeddings are cached)."""

    def __init__(self) -> None:
        self.model = embeddings.version()

    def score(self, rubric: Rubric, transcript: Transcript, language: str = "en") -> ScorerOutput:
        judgements = []
        for dim, scored, exchanges in self.evidence_by_dimension(rubric, transcript, language):
            judgements.append(self._judge(dim, scored, exchanges))
        return ScorerOutput(
            judgements=tuple(judgements),
            scorer=SCORER,
            model=self.model,
            manipulation_attempts=transcript.manipulation_attempts,
        )

    def evidence_by_dimension(
        self, rubric: Rubric, transcript: Transcript, language: str = "en"
    ) -> list[tuple[RubricDimension, list[_Scored], list[_Scored]]]:
        """Each dimension with the answers that inform it, read and measured one by one, and
        read as exchanges (an answer with its follow-ups), which is what places the score."""
        english = language.lower().startswith("en")
        answers = [a for a in transcript.answers if a.informs and a.text.strip()]
        texts = [spoken_as_meant(a.text) for a in answers]
        vectors = self._embed(rubric, answers, texts)
        evidences = [evidence(text, english=english) for text in texts]
        out = []
        for d_index, dim in enumerate(rubric.dimensions):
            words_of = vocabulary(dim, rubric.dimensions, _FUNCTION_WORDS)
            scored: list[_Scored] = []
            for a_index, answer in enumerate(answers):
                if answer.dimension_ids and dim.id not in answer.dimension_ids:
                    continue
                scored.append(
                    self._read(
                        answer,
                        texts[a_index],
                        evidences[a_index],
                        words_of,
                        vectors,
                        a_index,
                        d_index,
                    )
                )
            out.append((dim, scored, _exchanges(scored, words_of, english)))
        return out

    def _embed(self, rubric: Rubric, answers: Sequence[Answer], texts: list[str]) -> _Vectors:
        dims = rubric.dimensions
        dim_vectors = embeddings.queries([_dimension_text(d) for d in dims])
        questions = sorted({a.question for a in answers if a.question})
        question_vectors = embeddings.queries(questions) if questions else dim_vectors[:0]
        neutral = embeddings.passages(list(NEUTRAL))
        return _Vectors(
            answers=embeddings.passages(texts),
            dimensions=dim_vectors,
            dimension_floor=np.median(neutral @ dim_vectors.T, axis=0),
            questions=question_vectors,
            question_floor=np.median(neutral @ question_vectors.T, axis=0),
            question_row={q: i for i, q in enumerate(questions)},
        )

    def _read(
        self,
        answer: Answer,
        text: str,
        ev: Evidence,
        words_of: Vocabulary,
        vectors: _Vectors,
        a_index: int,
        d_index: int,
    ) -> _Scored:
        vector = vectors.answers[a_index]
        rel = _above_floor(
            float(vector @ vectors.dimensions[d_index]), float(vectors.dimension_floor[d_index])
        )
        to_question = 0.0
        if answer.question:
            q = vectors.question_row[answer.question]
            to_question = _above_floor(
                float(vector @ vectors.questions[q]), float(vectors.question_floor[q])
            )
            if answer.dimension_ids:
                # on topic for its question counts only where the plan says the question is
                # about this dimension
                rel = max(rel, to_question)
        features = answer_features(text, answer.question, _counts(ev), words_of, _FUNCTION_WORDS)
        rel = min(2.0, max(0.0, rel))
        quality = ev.substance * (0.25 + 0.75 * min(1.0, rel))
        return _Scored(answer, ev, rel, quality, features, min(2.0, max(0.0, to_question)))

    def dimension_features(
        self, rubric: Rubric, transcript: Transcript, language: str = "en"
    ) -> list[tuple[RubricDimension, dict[str, float] | None, tuple[AnswerEvidence, ...]]]:
        """Per dimension, the features its score is placed from (None: no answer informed
        it) and the per-answer evidence its confidence is judged from. What `eval/fit.py`
        fits the calibration on."""
        return [
            (dim, _dimension_features(exchanges) if scored else None, _answer_evidence(scored))
            for dim, scored, exchanges in self.evidence_by_dimension(rubric, transcript, language)
        ]

    def _judge(
        self, dim: RubricDimension, scored: list[_Scored], exchanges: list[_Scored]
    ) -> DimensionJudgement:
        if not scored:
            return DimensionJudgement(
                dim.id,
                calibration.NO_EVIDENCE,
                f"No answer in this interview addressed {dim.name}.",
                evidence=(),
            )
        features = _dimension_features(exchanges)
        score = gated(
            calibration.PLACEMENT.place(features), on_topic(features), calibration.NO_EVIDENCE
        )
        citations = self._citations(dim, scored)
        return DimensionJudgement(
            dim.id,
            round(score, 1),
            self._feedback(dim, scored, citations),
            citations,
            evidence=_answer_evidence(scored),
        )

    def _citations(self, dim: RubricDimension, scored: list[_Scored]) -> tuple[Citation, ...]:
        """The candidate's strongest sentences for this dimension, word for word: from the
        answers that scored best on it (their relevance is semantic, measured above), the
        sentences with the most substance and the most words of the dimension. Sentences are
        not embedded one by one: that would triple the scorer's cost for little gain."""
        candidates = [s for s in sorted(scored, key=lambda s: -s.quality) if s.quality >= 0.15]
        words = _content_words(_dimension_text(dim))
        ranked = []
        for item in candidates[:2]:
            for sentence in sentences(item.answer.text):
                if len(sentence) < 12:
                    continue
                own = _content_words(sentence)
                overlap = len(own & words) / max(1, min(len(own), 8))
                value = item.quality + 0.6 * evidence(sentence).substance + 0.3 * overlap
                ranked.append((value, item.answer.turn, sentence))
        ranked.sort(key=lambda r: -r[0])
        return tuple(Citation(turn, text) for _, turn, text in ranked[:2])

    def _feedback(
        self, dim: RubricDimension, scored: list[_Scored], citations: Sequence[Citation]
    ) -> str:
        parts = []
        count = len(scored)
        parts.append(f"{count} answer{'s' if count != 1 else ''} informed {dim.name}.")
        if citations:
            parts.append(f'Strongest evidence, turn {citations[0].turn}: "{citations[0].quote}".')
        best = max(scored, key=lambda s: s.quality)
        if citations:  # the details of the answer quoted first
            best = next((s for s in scored if s.answer.turn == citations[0].turn), best)
        details = concrete_details(best.evidence)
        if details:
            parts.append(f"Concrete details given: {', '.join(details[:4])}.")
        notes = []
        for item in scored:
            ev = item.evidence
            turn = item.answer.turn
            if ev.dont_know:
                notes.append(f"turn {turn} said they did not know")
            elif ev.keyword_list:
                notes.append(f"turn {turn} lists terms without explaining them")
            elif ev.buzzwords and ev.substance < 0.3:
                quoted = ", ".join(f"'{b}'" for b in ev.buzzwords[:3])
                notes.append(f"turn {turn} leans on generic phrases ({quoted}) without specifics")
            elif item.relevance < 0.15 and ev.words >= 5:
                notes.append(f"turn {turn} did not address the question")
            elif ev.reasons == 0 and ev.words >= 8 and ev.substance < 0.5:
                notes.append(f"turn {turn} gave no reasons or trade-offs")
            elif not ev.specifics and not ev.examples and ev.words >= 8 and ev.substance < 0.5:
                notes.append(f"turn {turn} stayed general, with no examples or specifics")
        if notes:
            parts.append("Gaps: " + "; ".join(notes[:4]) + ".")
        return " ".join(parts)


def _dimension_features(scored: Sequence[_Scored]) -> dict[str, float]:
    """The features of a dimension: the mean over the answers that inform it. Mapped answers
    count alike; unmapped ones (every answer informs every dimension) by how relevant they
    are to it, and only the clearly relevant ones count as answers."""
    mapped = all(s.answer.dimension_ids for s in scored)
    rows = [
        (1.0 if mapped else s.relevance**2 + 0.02, s.features, s.relevance, s.question_relevance)
        for s in scored
    ]
    answers = len(scored) if mapped else sum(1 for s in scored if s.relevance > 0.6)
    return mean_features(rows, answers)


def _exchanges(scored: list[_Scored], words_of: Vocabulary, english: bool) -> list[_Scored]:
    """The answers as exchanges: an answer and the replies to its follow-ups (the same
    question, asked again) are read as one text, as an interviewer hears them, so a one-line
    reply to "can you say more?" neither outweighs the answer it adds to nor counts as a
    weak answer of its own. On topic as its most relevant part."""
    groups: dict[int | str, list[_Scored]] = {}
    for item in scored:
        key = item.answer.question_turn
        groups.setdefault(key if key is not None else f"turn {item.answer.turn}", []).append(item)
    out = []
    for items in groups.values():
        if len(items) == 1:
            out.append(items[0])
            continue
        first = items[0]
        text = " ".join(spoken_as_meant(i.answer.text) for i in items)
        ev = evidence(text, english=english)
        relevance = max(i.relevance for i in items)
        features = answer_features(
            text, first.answer.question, _counts(ev), words_of, _FUNCTION_WORDS
        )
        quality = ev.substance * (0.25 + 0.75 * min(1.0, relevance))
        to_question = max(i.question_relevance for i in items)
        out.append(_Scored(first.answer, ev, relevance, quality, features, to_question))
    return out


def _counts(ev: Evidence) -> TextCounts:
    return TextCounts(
        words=ev.words,
        function_ratio=ev.function_ratio,
        specifics=len(ev.specifics),
        reasons=ev.reasons,
        buzzwords=len(ev.buzzwords),
        dont_know=ev.dont_know,
    )


def _answer_evidence(scored: Sequence[_Scored]) -> tuple[AnswerEvidence, ...]:
    """What each informing answer shows about the dimension, for its confidence: relevance
    (how far above the neutral floor, 1 = fully on topic) and quality (substance gated by
    relevance), both 0-1. Relevance is to the dimension or to the question the answer was
    given to, whichever is higher: a substantive answer to its question is evidence of how the
    candidate communicates whatever it is about; a reply that is about neither is not."""
    return tuple(
        AnswerEvidence(
            s.answer.turn,
            round(min(1.0, max(s.relevance, s.question_relevance)), 3),
            round(s.quality, 3),
        )
        for s in scored
    )


_shared: OfflineScorer | None = None


def shared() -> OfflineScorer:
    """One scorer per process (the embedding model loads once, on first use)."""
    global _shared
    if _shared is None:
        _shared = OfflineScorer()
    return _shared
