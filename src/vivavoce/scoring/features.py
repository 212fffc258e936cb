"""What the words of one answer show about one dimension, as numbers (pure).

The offline scorer places each dimension on the rubric's anchors from these features (see
`calibration`). Each is a plain reading of the text, documented in docs/scoring.md
("Calibration"):

- how much the answer says (`length`, `content`: distinct content words), only as far as it
  is said in sentences (`sentences`: a list of terms with no function words scores none);
- substance: `specifics` (numbers, named things), `reasons` (because, so that, instead of…),
  `own_actions` (what the candidate did or would do: "I checked", "we'd split"), and, as
  shares that do not grow with length, `causal` (sentences that give a reason or a
  consequence), `quantities` (numbers and quantities, in digits or words, per word) and
  `results` (outcomes stated: "dropped by 60 percent", "the trucks left on time");
- fit: `anchor_high` / `anchor_low`, the share of the rubric's high (≥ 7) and low (≤ 3)
  anchors' words the answer takes up, `question_overlap`, the share of the question's own
  words it engages with (a pasted generic answer does not);
- weakness: `hedges` (I guess, probably, it depends), `generic` (textbook phrasing: "is the
  process of", "best practices include", "professionals should"), `buzzwords`,
  `first_person` (a textbook answer never says I), `dont_know`.

Spoken answers are read as meant: fillers (um, uh) and the recogniser's repeated words
("the the", "I I") are removed first.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from vivavoce.scoring.rubric import RubricDimension

_FILLERS = re.compile(r"\b(?:um+|uh+|erm|hmm+|uh-huh)\b[,.]?\s*", re.IGNORECASE)
_REPEATS = re.compile(r"\b(\w+(?:\s+\w+)?)(?:\s+\1\b)+", re.IGNORECASE)
_HEDGES = re.compile(
    r"\b(i think|i guess|i suppose|probably|maybe|kind of|sort of|it depends|depends on|"
    r"i'?m not sure|not really|i try to|stuff like that|things like that|or something|"
    r"whatever|i'?d say|basically|hopefully)\b",
    re.IGNORECASE,
)
_GENERIC = re.compile(
    r"\b(is the process of|is an? (critical|key|vital|crucial|important|essential) |"
    r"it is (important|essential|crucial|vital|key) to|best practices?|key principles?|"
    r"common (methods|objections|types|approaches|causes|mistakes)|"
    r"(professionals|organi[sz]ations|businesses|companies|employees|workers|nurses|"
    r"engineers|agents|one) (should|can|must|need to)|widely used|plays an? (key|crucial|vital) "
    r"role|in today'?s|there are (several|many|four|three|two|five) (types|ways|steps|"
    r"categories|key)|effective(ly)? \w+ (is|are|should|can)|helps? (businesses|"
    r"organi[sz]ations|teams|companies))",
    re.IGNORECASE,
)
_VAGUE = re.compile(
    r"\b(make sure|the right (way|thing|people)|proper(ly)?|appropriate(ly)?|at the end of the "
    r"day|(is|are) (absolutely |really )?(key|critical|crucial|essential|important)|absolutely|"
    r"really|very|everything|everyone|everybody|always|situation|mindset|on the same page|"
    r"take (it|this|that|things) (very )?seriously|as (much|soon) as (i|we) can|in a (clear|timely|"
    r"professional) (way|manner)|all the (proper|right|necessary)|things?|stuff|whatever it takes|"
    r"(is|are) (so|super) important|at all times|(going|go) above and beyond|first and foremost)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_FIRST_PERSON = re.compile(r"\b(i|me|my|we|our|us|i'd|i'm|i've|i'll|we'd|we've|we're)\b", re.I)
_OWN_ACTION = re.compile(
    r"\b(?:i|we|i'd|we'd|i'll|we'll|i've|we've)\s+(?:(?:would|will|had|then|also|first|always|"
    r"just|usually|immediately|still|actually|never)\s+)?([a-z]+)",
    re.IGNORECASE,
)


def spoken_as_meant(text: str) -> str:
    """The answer without fillers, immediately repeated words (recognition glitches) and
    sentences said again word for word (repeating an answer adds no evidence)."""
    cleaned = _FILLERS.sub("", text)
    for _ in range(2):
        cleaned = _REPEATS.sub(r"\1", cleaned)
    said = dict.fromkeys(s.strip() for s in _SENTENCE_END.split(cleaned) if s.strip())
    return " ".join(said)


@dataclass(frozen=True, slots=True)
class AnswerFeatures:
    """One answer read against one dimension; every value is a plain number."""

    length: float  # log(1 + words)
    content: float  # log(1 + distinct content stems), in sentences only
    sentences: float  # 0 for a bare list of terms, 1 for ordinary sentences
    specifics: float  # log(1 + named things and numbers), in sentences only
    reasons: float  # log(1 + reasoning cues), in sentences only
    own_actions: float  # log(1 + "I/we <verb>" statements), in sentences only
    anchor_high: float  # share of the high anchors' stems present, in sentences only
    anchor_low: float  # share of the low anchors' stems present
    anchor_share: float  # share of the answer's stems that are the high anchors' (dense answers)
    specific_share: float  # named things, numbers and reasons per content word
    domain: float  # log(1 + stems shared with the rubric and the question), in sentences only
    domain_share: float  # share of the answer's stems that are the rubric's or the question's
    vague: float  # vague phrases per 10 words ("make sure", "the right way", "really")
    question_overlap: float  # share of the question's stems present
    hedges: float  # hedges per 10 words
    generic: float  # textbook phrases (at most 3)
    buzzwords: float  # buzzwords per 10 words
    first_person: float  # share of words that are I/me/my/we…
    dont_know: float  # 1 when the answer says it does not know (or says almost nothing)
    density: float  # distinct content stems per word, in sentences only (concise answers: high)
    filler: float  # share of sentences with no rubric or question word, name or number
    causal: float  # share of sentences giving a reason or a consequence
    results: float  # log(1 + outcomes stated: "dropped by 60 percent", "left on time")
    quantities: float  # numbers and quantities (digits or words) per 10 words, at most 1


def stems(text: str, stop: frozenset[str]) -> set[str]:
    """Content-word stems (first six letters): "designs" and "design" meet."""
    found = set()
    for token in _WORD.findall(text.lower()):
        word = token.strip(_PUNCT)
        if len(word) > 2 and word not in stop:
            found.add(word[:6])
    return found


_WORD = re.compile(r"[\w][\w'\u2019+#./-]*", re.UNICODE)
_PUNCT = ".,;:!?'\u2019\"()"


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The words an answer about one dimension is read against."""

    high: frozenset[str]  # the high anchors' stems (not in the low ones)
    low: frozenset[str]  # the low anchors' stems (not in the high ones)
    rubric: frozenset[str]  # every stem of the rubric: names, descriptions, anchors
    anchored: bool = True  # False: the profile gave no anchors (the generic scale stands in)


def vocabulary(
    dimension: RubricDimension, dimensions: Sequence[RubricDimension], stop: frozenset[str]
) -> Vocabulary:
    """The stems of the dimension's high (≥ 7) and low (≤ 3) anchors on its scale, and the
    rubric's."""
    high: set[str] = set()
    low: set[str] = set()
    for score, text in dimension.scale:
        if score >= 7:
            high |= stems(text, stop)
        elif score <= 3:
            low |= stems(text, stop)
    rubric: set[str] = set()
    for dim in dimensions:
        rubric |= stems(f"{dim.name} {dim.description}", stop)
        for _, text in dim.anchors:
            rubric |= stems(text, stop)
    return Vocabulary(
        frozenset(high - low), frozenset(low - high), frozenset(rubric), bool(dimension.anchors)
    )


@dataclass(frozen=True, slots=True)
class TextCounts:
    """What `offline.evidence` counted in the answer, as the features need it."""

    words: int
    function_ratio: float
    specifics: int
    reasons: int
    buzzwords: int
    dont_know: bool


def answer_features(
    text: str,
    question: str,
    counts: TextCounts,
    words_of: Vocabulary,
    stop: frozenset[str],
) -> AnswerFeatures:
    words = max(1, counts.words)
    in_sentences = phrased_share(text, stop)
    own = [m for m in _OWN_ACTION.finditer(text) if m.group(1).lower() not in stop]
    answer = stems(text, stop)
    asked = stems(question, stop)
    domain = answer & (words_of.rubric | asked)
    # the generic scale's words say nothing about a role: without the profile's own anchors
    # the anchor features are unknown (NaN), and the placement treats them as average
    unknown = 1.0 if words_of.anchored else math.nan
    return AnswerFeatures(
        length=math.log1p(min(counts.words, FULL_LENGTH_WORDS)),
        content=math.log1p(len(answer)) * in_sentences,
        sentences=in_sentences,
        specifics=math.log1p(counts.specifics) * in_sentences,
        reasons=math.log1p(counts.reasons) * in_sentences,
        own_actions=math.log1p(len(own)) * in_sentences,
        anchor_high=_share(words_of.high, answer) * in_sentences * unknown,
        anchor_low=_share(words_of.low, answer) * unknown,
        anchor_share=_share(answer, words_of.high) * in_sentences * unknown,
        specific_share=min(1.0, (counts.specifics + counts.reasons) / max(1, len(answer)))
        * in_sentences,
        domain=math.log1p(len(domain)) * in_sentences,
        domain_share=len(domain) / len(answer) if answer else 0.0,
        vague=10 * len(_VAGUE.findall(text)) / words,
        question_overlap=_share(asked, answer),
        hedges=10 * len(_HEDGES.findall(text)) / words,
        generic=float(min(3, len(_GENERIC.findall(text)))),
        buzzwords=10 * counts.buzzwords / words,
        first_person=len(_FIRST_PERSON.findall(text)) / words,
        dont_know=1.0 if counts.dont_know or counts.words < 4 else 0.0,
        density=min(1.0, len(answer) / words) * in_sentences,
        filler=filler_share(text, words_of.rubric | asked, stop),
        **sentence_features(text),
    )


FULL_LENGTH_WORDS = 70  # past this, more words are not more evidence (see offline.evidence)

_SEGMENT = re.compile(r"[,;:.!?()\u2014\u2013]+|\s-\s")


def phrased_share(text: str, stop: frozenset[str]) -> float:
    """How far the answer is said in phrases rather than listed as bare terms (0-1): the share
    of its words in comma- or full-stop-separated segments with a function word in every six
    words. "Tenant from the token, never the URL" is phrased; "REST, GraphQL, gRPC,
    idempotency keys" is not. Terse expert fragments keep their function words, so they count
    as phrased where a function-word ratio would not."""
    total = phrased = 0
    for segment in _SEGMENT.split(text):
        tokens = [t.strip(_PUNCT).lower() for t in _WORD.findall(segment)]
        tokens = [t for t in tokens if t]
        total += len(tokens)
        if 6 * sum(1 for t in tokens if t in stop) >= len(tokens):
            phrased += len(tokens)
    share = phrased / total if total else 0.0
    return min(1.0, max(0.0, (share - 0.25) / 0.5))


def filler_share(text: str, domain: frozenset[str] | set[str], stop: frozenset[str]) -> float:
    """The share of the answer's sentences that would fit any question: no word of the rubric
    or the question, no number, no name (padding is mostly such sentences)."""
    said = [s for s in _SENTENCE_END.split(text) if len(_WORD.findall(s)) >= 4]
    if not said:
        return 0.0
    empty = 0
    for sentence in said:
        named = any(c.isdigit() for c in sentence) or bool(_NAMED.search(sentence))
        if not named and not stems(sentence, stop) & domain:
            empty += 1
    return empty / len(said)


_QUANTITY = re.compile(
    r"\b(?:\d[\d,.]*%?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
    r"twenty|thirty|forty|fifty|sixty|hundred|thousand|million|half|double|twice|dozen|percent)\b",
    re.IGNORECASE,
)
_CAUSAL = re.compile(
    r"\b(?:because|since|so that|so (?:the|it|they|we|i|he|she|nobody|no one)|"
    r"which (?:meant|means)|that way|otherwise|instead of|rather than|in order to|"
    r"to (?:avoid|prevent|stop|make sure)|if|unless|the (?:reason|risk|trade-?off|downside)|"
    r"trade-?off|caused|led to|meant)\b",
    re.IGNORECASE,
)
_RESULT = re.compile(
    r"\b(?:dropped|fell|rose|grew|cut|reduced|increased|improved|saved|halved|doubled|went from|"
    r"down to|up to|on time|renewed|signed|closed|won|fixed|resolved|recovered|thanked|"
    r"came back|could not come back|never (?:came back|happened again)|left (?:a|on)|"
    r"got added|was added|stopped)\b",
    re.IGNORECASE,
)


def sentence_features(text: str) -> dict[str, float]:
    """What the answer's sentences show, so that it does not grow with length: the share of
    its sentences that give a reason or a consequence, the outcomes it states, and its numbers
    and quantities (digits or words: "three to five days", "forty thousand lines") per word."""
    said = [s for s in _SENTENCE_END.split(text) if len(_WORD.findall(s)) >= 4]
    words = max(1, len(_WORD.findall(text)))
    causal = sum(1 for sentence in said if _CAUSAL.search(sentence))
    return {
        "causal": causal / len(said) if said else 0.0,
        "results": math.log1p(len(_RESULT.findall(text))),
        "quantities": min(1.0, 10 * len(_QUANTITY.findall(text)) / words),
    }


_NAMED = re.compile(r"\b(?:[A-Z]{2,6}s?|[a-z]+[A-Z]\w*|\w+_\w+)\b")  # SQL, iOS, created_at


def _share(wanted: frozenset[str] | set[str], present: frozenset[str] | set[str]) -> float:
    return len(wanted & present) / len(wanted) if wanted else 0.0


ANSWER_FEATURES: tuple[str, ...] = tuple(f.name for f in fields(AnswerFeatures))
FEATURE_NAMES: tuple[str, ...] = (*ANSWER_FEATURES, "relevance", "question_relevance", "answers")


def mean_features(
    rows: Sequence[tuple[float, AnswerFeatures, float, float]], answers: float
) -> dict[str, float]:
    """The weighted mean of each feature over the answers that inform a dimension, plus their
    relevance to the dimension and their question, and how many answers informed it.
    `rows` are (weight, features, relevance, question relevance)."""
    total = sum(w for w, _, _, _ in rows) or 1.0
    out = {name: 0.0 for name in FEATURE_NAMES}
    for weight, features, relevance, question_relevance in rows:
        share = weight / total
        for name in ANSWER_FEATURES:
            out[name] += share * float(getattr(features, name))
        out["relevance"] += share * relevance
        out["question_relevance"] += share * question_relevance
    out["answers"] = math.log1p(answers)
    return out


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a dimension's features place it on the 0-10 scale: a weighted sum of the
    standardised features (the raw placement), then a monotone piecewise-linear map through
    `knots` that turns it into the score the labels give such evidence. The numbers are fitted
    by `eval/fit.py` and generated into `scoring/calibration.py`."""

    features: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    knots: tuple[tuple[float, float], ...]

    def raw(self, features: Mapping[str, float]) -> float:
        """The weighted sum; an unknown (NaN) feature sits at its mean and adds nothing."""
        return self.intercept + sum(
            w * (features[name] - m) / s
            for name, m, s, w in zip(
                self.features, self.means, self.scales, self.weights, strict=True
            )
            if not math.isnan(features[name])
        )

    def place(self, features: Mapping[str, float]) -> float:
        """The 0-10 score of a dimension with these features."""
        return min(10.0, max(0.0, piecewise(self.raw(features), self.knots)))


# relevance (1 = "fully on topic") from which a dimension's answers are on topic; fitted on
# the tune split by leave-one-role-out (0.35, 0.8, 1.0, 1.2 tried; 0.8 agreed best)
ON_TOPIC = 0.8


def on_topic(features: Mapping[str, float]) -> float:
    """How on topic a dimension's answers are: for the dimension or for the questions they
    answer, whichever is higher (without the plan's mapping, relevance to the dimension is
    diluted over every dimension, relevance to the question is not)."""
    return max(features["relevance"], features["question_relevance"])


def gated(score: float, relevance: float, floor: float) -> float:
    """A placed score held to what on-topic evidence supports: a dimension whose answers'
    relevance (`on_topic`) is below ON_TOPIC keeps only that share of its distance from
    `floor` (the no-evidence score); words that are not about the question are not evidence
    of the dimension, however well formed."""
    share = min(1.0, max(0.0, relevance) / ON_TOPIC)
    return floor + (score - floor) * share if score > floor else score


def piecewise(x: float, knots: Sequence[tuple[float, float]]) -> float:
    """The monotone map through `knots` (sorted by x), flat beyond its ends."""
    if x <= knots[0][0]:
        return knots[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(knots):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1
    return knots[-1][1]
