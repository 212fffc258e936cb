"""Checking a model's reply before the candidate sees it (issue 13, "With an LLM configured").

Code decides the move and the probe's purpose; a model only words it, and its words are
checked here first. `reply_problems(text, move, context)` lists what is wrong with a reply, in
plain words (an empty list: it may be said):

- empty, or only punctuation;
- longer than `MAX_WORDS` (60) — the greeting and the closing line, which carry the AI
  disclosure and the next steps, may take `MAX_OPENING_WORDS` / `MAX_CLOSING_WORDS`;
- more than one question — more question marks than the question being asked has itself;
- not in the interview's language (stop-word counts; languages outside `STOP_WORDS` are not
  checked);
- talk of rubrics, scores, ratings or marks (a reply to a turn addressed to the evaluator may
  say that nothing is scored);
- a promise about the outcome ("you'll get the job", "you passed", "I'll recommend you");
- a sentence repeated from an earlier AI turn (a requested repeat and the question being
  re-asked excepted);
- role tags, template tokens or prompt text (`assistant:`, `<|im_start|>`, `{question}`,
  the data-block markers, "Your task for this turn");
- a probe that does not fit the kind of question (`listening.probe_misfits`).

Pure: no model, no clock. `checked_voice.CheckedVoice` applies it.
"""

from __future__ import annotations

import re

from vivavoce.interviewer.engine import (
    Ask,
    Clarify,
    Close,
    FollowUp,
    Greet,
    Hint,
    Move,
    Redirect,
    Repeat,
)
from vivavoce.interviewer.listening import probe_misfits, question_style
from vivavoce.interviewer.offline_judge import sentences
from vivavoce.interviewer.voice import VoiceContext

MAX_WORDS = 60
MAX_OPENING_WORDS = 160
MAX_CLOSING_WORDS = 100


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# fmt: off
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _words("the and you to of is it that for with what your this have are be we can"),
    "de": _words("der die das und ist nicht sie ich mit zu ein eine wie was haben auf für"),
    "fr": _words("le la les et est vous je de des un une que pour pas avec qui dans votre"),
    "es": _words("el la los las y es usted que de un una por para con no su en lo como"),
    "it": _words("il la le e è che di un una per con non lei sono come del della"),
    "nl": _words("de het en is dat een van ik je u niet met voor wat zijn op"),
    "pt": _words("o a os as e é que de um uma para com não você em do da como"),
    "sv": _words("och är att det som en ett på för med du jag inte vad har av"),
    "pl": _words("i w nie na się jest że to z do jak pan pani co czy"),
}
# fmt: on
SCORE_TALK = re.compile(
    r"\b(?:rubric|scor(?:e|es|ed|ing)|rating|rated|grade[ds]?|marks?|points?"
    r"|out of (?:10|ten|5|five)|evaluation criteria"
    r"|pass(?:ed)? (?:this|the) (?:interview|stage|screen))\b",
    re.IGNORECASE,
)
PROMISE = re.compile(
    r"\byou(?:'ll| will)(?: definitely| surely| certainly)? (?:get|be|move|go) (?:the job|hired|"
    r"offered|through|forward|selected|invited|to the next)|\byou(?:'ve| have)? (?:passed|got the "
    r"job|been selected)|\bi(?:'ll| will) recommend you\b|\b(?:strong|perfect|great|top) "
    r"(?:candidate|fit)\b|\bguarantee\b|\byou did (?:great|well|amazing|brilliantly)\b",
    re.IGNORECASE,
)
PROMPT_TEXT = re.compile(
    r"<\|[^|>]*\|>|\[/?INST\]|<</?SYS>>|<<<|>>>|CANDIDATE_DATA|QUOTE_TO_REFER_TO|"
    r"^\s*(?:assistant|system|user|interviewer|ai)\s*:|\n\s*(?:assistant|system|user)\s*:|"
    r"\{\{|\}\}|\{[a-z_]+\}|your task for this turn|as an ai language model|^\s*rules:",
    re.IGNORECASE | re.MULTILINE,
)
ALLOWED_SCORE_TALK = ("addressed_to_scorer",)


def reply_problems(text: str, move: Move, context: VoiceContext) -> list[str]:
    """What is wrong with `text` as the wording of `move` (empty: it may be said)."""
    stripped = text.strip()
    if not re.search(r"\w", stripped):
        return ["empty"]
    problems = []
    count = len(stripped.split())
    limit = _word_limit(move)
    if count > limit:
        problems.append(f"{count} words (at most {limit})")
    questions = stripped.count("?")
    if questions > _questions_allowed(move):
        problems.append(f"{questions} questions")
    language = _language_problem(stripped, context.plan.language)
    if language:
        problems.append(language)
    if SCORE_TALK.search(stripped) and not _may_talk_of_scoring(move):
        problems.append("talks about scoring")
    if PROMISE.search(stripped):
        problems.append("promises an outcome")
    if PROMPT_TEXT.search(stripped):
        problems.append("role tags, template tokens or prompt text")
    repeated = _repeated_sentence(stripped, move, context)
    if repeated:
        problems.append(f"repeats an earlier sentence: {repeated[:80]}")
    if isinstance(move, FollowUp | Hint) and probe_misfits(question_style(move.question), text):
        problems.append("a probe that does not fit the kind of question")
    if isinstance(move, Ask) and not _asks(stripped, move):
        problems.append("does not ask the question")
    return problems


ASKED_SHARE = 0.6  # of a reworded question's content words, at least this many must be said


def _asks(text: str, move: Ask) -> bool:
    """Whether `text` asks `move`'s question: word for word when it is verbatim, else with
    most of its content words (a small model once "asked" with "I'm looking forward to
    hearing from you!")."""
    said, question = _normalised(text), _normalised(move.question.text)
    if move.question.verbatim:
        return question in said
    content = {word for word in question.split() if len(word) > 3}
    if not content:
        return True
    return len(content & set(said.split())) >= ASKED_SHARE * len(content)


def _word_limit(move: Move) -> int:
    if isinstance(move, Greet):
        return MAX_OPENING_WORDS
    if isinstance(move, Close):
        return MAX_CLOSING_WORDS
    if isinstance(move, Ask | Repeat | Redirect) and move.question is not None:
        # the recruiter's own question may be long; the wording around it may not
        return MAX_WORDS + len(move.question.text.split())
    return MAX_WORDS


def _questions_allowed(move: Move) -> int:
    if isinstance(move, Ask | Repeat | Redirect | Clarify) and move.question is not None:
        return max(1, move.question.text.count("?"))
    return 1


def _may_talk_of_scoring(move: Move) -> bool:
    return isinstance(move, Redirect) and move.reason in ALLOWED_SCORE_TALK


def _language_problem(text: str, language: str) -> str | None:
    """Another language's stop words clearly outnumber the interview's own."""
    target = (language or "en").split("-", 1)[0].lower()
    if target not in STOP_WORDS:
        return None
    tokens = re.findall(r"[^\W\d_]+", text.lower())
    if len(tokens) < 6:
        return None
    counts = {code: sum(t in words for t in tokens) for code, words in STOP_WORDS.items()}
    best = max(counts, key=lambda code: counts[code])
    if best != target and counts[best] >= 3 and counts[best] > 2 * counts[target]:
        return f"written in '{best}', not '{target}'"
    return None


def _normalised(sentence: str) -> str:
    return " ".join(re.findall(r"\w+", sentence.lower()))


def _repeated_sentence(text: str, move: Move, context: VoiceContext) -> str | None:
    """A sentence of `text` (four words or more) an earlier AI turn already said — except the
    question itself when it is being asked again (a repeat, a steer back, a clarification)."""
    if isinstance(move, Repeat):
        return None
    earlier = {_normalised(s) for t in context.transcript if t.is_ai for s in sentences(t.text)}
    question = getattr(move, "question", None)
    allowed = {_normalised(s) for s in sentences(question.text)} if question else set()
    for sentence in sentences(text):
        key = _normalised(sentence)
        if len(key.split()) >= 4 and key in earlier and key not in allowed:
            return sentence
    return None
