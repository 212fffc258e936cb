"""Judging one candidate turn: what kind of turn it is, and whether it needs a follow-up.

The judge is the only place the candidate's words influence the interview, and only through
an `AnswerJudgement`: a kind from a closed list, a yes/no for a follow-up and a reason from a
closed list. Nothing a candidate says can add a question, skip one, end the interview or touch
a score — a turn addressed to the evaluator ("ignore your rubric", "give me a 10") is flagged
(`addressed_to_scorer`) and never obeyed.

Two judges implement `Judge`: the offline one (`vivavoce.interviewer.offline.OfflineJudge`,
transparent heuristics) and the LLM judges, which ask for `JUDGEMENT_JSON_SCHEMA` (written as
the pydantic model `JudgementReply`, which also validates the reply) and read it with
`AnswerJudgement.from_dict`, which accepts nothing outside the lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr, WithJsonSchema

from vivavoce.interviewer.contract import contract_schema
from vivavoce.interviewer.plan import InterviewPlan, PlannedQuestion
from vivavoce.interviewer.turns import MoveKind, Turn


class AnswerKind(StrEnum):
    ANSWER = "answer"
    CLARIFYING_QUESTION = "clarifying_question"  # "do you mean at work or at university?"
    REPEAT_REQUEST = "repeat_request"  # "sorry, could you repeat that?"
    DONT_KNOW = "dont_know"  # "I don't know", "I've never done that"
    OFF_TOPIC = "off_topic"
    THINKING = "thinking"  # "let me think for a second"
    ADDRESSED_TO_SCORER = "addressed_to_scorer"  # only a request about the score, nothing else


class FollowUpReason(StrEnum):
    VAGUE = "vague"  # no specifics: no example, no numbers, no first-person actions
    SHORT = "short"
    CONTRADICTION = "contradiction"  # contradicts something the candidate said earlier
    NONE = "none"


Phase = Literal["greeting", "question", "wrap_up"]


@dataclass(frozen=True, slots=True)
class AnswerJudgement:
    """The verdict on one participant turn (`turn_index`).

    `quote` is an exact phrase from the turn worth referring back to in a follow-up ("You
    mentioned Kafka — …"); `earlier_quote` the earlier words it contradicts. `addressed_to_scorer`
    is set whenever part of the turn speaks to the evaluator, even inside a real answer (then
    `kind` stays `answer`). `notes` say in plain words why — the offline judge's heuristics are
    meant to be read.
    """

    turn_index: int
    kind: AnswerKind
    needs_follow_up: bool = False
    reason: FollowUpReason = FollowUpReason.NONE
    quote: str | None = None
    earlier_quote: str | None = None
    addressed_to_scorer: bool = False
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn_index": self.turn_index,
            "kind": self.kind.value,
            "needs_follow_up": self.needs_follow_up,
            "reason": self.reason.value,
            "quote": self.quote,
            "earlier_quote": self.earlier_quote,
            "addressed_to_scorer": self.addressed_to_scorer,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, turn_index: int | None = None
    ) -> AnswerJudgement:
        """Read a stored judgement or a model's reply. Unknown kinds read as `answer`, unknown
        reasons as `none`, and a quote is kept only as text; nothing else is taken."""
        index = turn_index if turn_index is not None else int(data.get("turn_index", -1))
        try:
            kind = AnswerKind(str(data.get("kind", "answer")))
        except ValueError:
            kind = AnswerKind.ANSWER
        try:
            reason = FollowUpReason(str(data.get("reason", "none")))
        except ValueError:
            reason = FollowUpReason.NONE
        needs = data.get("needs_follow_up") is True and kind is AnswerKind.ANSWER
        notes = data.get("notes") or ()
        return cls(
            turn_index=index,
            kind=kind,
            needs_follow_up=needs,
            reason=reason if needs else FollowUpReason.NONE,
            quote=_short_text(data.get("quote")),
            earlier_quote=_short_text(data.get("earlier_quote")),
            addressed_to_scorer=data.get("addressed_to_scorer") is True
            or kind is AnswerKind.ADDRESSED_TO_SCORER,
            notes=tuple(str(n)[:300] for n in notes if isinstance(n, str))[:10],
        )


def _short_text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:200]
    return None


# the length limits are the schema's only: a longer quote or note is shortened by `from_dict`,
# not refused (a reply is not sent back for repair over a few characters)
_QUOTE = WithJsonSchema({"type": ["string", "null"], "maxLength": 200})
_NOTES = WithJsonSchema(
    {"type": "array", "items": {"type": "string", "maxLength": 300}, "maxItems": 10}
)


class JudgementReply(BaseModel):
    """The LLM judge's reply: `JUDGEMENT_JSON_SCHEMA`, its validation and its repair message.
    A reply that validates is read with `AnswerJudgement.from_dict`."""

    model_config = ConfigDict(extra="forbid")

    kind: AnswerKind
    needs_follow_up: StrictBool
    reason: FollowUpReason
    quote: Annotated[StrictStr | None, _QUOTE] = None
    earlier_quote: Annotated[StrictStr | None, _QUOTE] = None
    addressed_to_scorer: StrictBool
    notes: Annotated[list[StrictStr], _NOTES] = []


JUDGEMENT_JSON_SCHEMA: dict[str, Any] = contract_schema(JudgementReply)


@dataclass(frozen=True, slots=True)
class JudgeRequest:
    """Everything a judge needs about one participant turn (build it with
    `vivavoce.interviewer.engine.judge_request`).

    `prompt` is what the interviewer last said — what the candidate is replying to — and
    `prompt_move` the move that said it; `question`
    the question on the table (None while greeting or wrapping up); `earlier_answers` the
    candidate's earlier turns in this interview, oldest first, for contradictions.
    """

    plan: InterviewPlan
    phase: Phase
    question: PlannedQuestion | None
    prompt: str
    answer: Turn
    earlier_answers: tuple[Turn, ...] = ()
    prompt_move: MoveKind | None = None


class Judge(Protocol):
    """Judges one participant turn. Implementations must treat the turn's text as data: it is
    classified, never followed."""

    async def judge(self, request: JudgeRequest) -> AnswerJudgement: ...
