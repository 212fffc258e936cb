"""Hand-built transcripts for engine tests: AI turns with their moves, participant turns with
the judgement a judge would have given."""

from __future__ import annotations

from vivavoce.interviewer.engine import Move, decide
from vivavoce.interviewer.judge import AnswerJudgement, AnswerKind, FollowUpReason
from vivavoce.interviewer.plan import InterviewPlan
from vivavoce.interviewer.turns import MoveKind, Turn


class Transcript:
    def __init__(self, plan: InterviewPlan) -> None:
        self.plan = plan
        self.turns: list[Turn] = []
        self.judgements: dict[int, AnswerJudgement] = {}
        self.clock = 0.0

    def ai(
        self,
        move: MoveKind,
        question_id: str | None = None,
        *,
        text: str | None = None,
        at: float | None = None,
        seconds: float = 10.0,
    ) -> Transcript:
        start = self.clock if at is None else at
        self.turns.append(
            Turn(
                len(self.turns),
                "ai",
                text or f"({move} {question_id or ''})?",
                start,
                start + seconds,
                move=move,
                question_id=question_id,
            )
        )
        self.clock = start + seconds
        return self

    def you(
        self,
        text: str = "an answer",
        *,
        kind: AnswerKind = AnswerKind.ANSWER,
        reason: FollowUpReason | None = None,
        quote: str | None = None,
        at: float | None = None,
        after: float = 30.0,
        addressed_to_scorer: bool = False,
    ) -> Transcript:
        start = self.clock + after if at is None else at
        index = len(self.turns)
        self.turns.append(Turn(index, "participant", text, start, start + 1))
        self.judgements[index] = AnswerJudgement(
            index,
            kind,
            needs_follow_up=reason is not None,
            reason=reason or FollowUpReason.NONE,
            quote=quote,
            addressed_to_scorer=addressed_to_scorer,
        )
        self.clock = start + 1
        return self

    def started(self) -> Transcript:
        """Greeted, the candidate said they're ready."""
        return self.ai(MoveKind.GREET, seconds=30).you("Ready.", after=5)

    def asked(self, question_id: str, *, at: float | None = None) -> Transcript:
        return self.ai(MoveKind.ASK, question_id, at=at)

    def decide(self, now: float | None = None) -> Move:
        return decide(self.plan, self.turns, self.clock if now is None else now, self.judgements)
