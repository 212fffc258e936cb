"""A scripted candidate and a simulated clock around the engine, the offline judge and the
offline voice — the same loop the live room runs, with no room."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vivavoce.interviewer.engine import Close, Move, Wait, ai_turn, decide, judge_request
from vivavoce.interviewer.judge import AnswerJudgement
from vivavoce.interviewer.offline import OfflineJudge, OfflineVoice
from vivavoce.interviewer.plan import InterviewPlan, build_plan
from vivavoce.interviewer.turns import Turn
from vivavoce.interviewer.voice import VoiceContext

AI_WORDS_PER_SECOND = 2.5


@dataclass(frozen=True)
class Say:
    """The candidate's next turn, `after_s` seconds after the interviewer stopped talking."""

    text: str
    after_s: float = 45.0


SILENT = None  # the candidate says nothing after this AI turn


@dataclass
class Run:
    plan: InterviewPlan
    transcript: list[Turn] = field(default_factory=list)
    judgements: dict[int, AnswerJudgement] = field(default_factory=dict)
    moves: list[Move] = field(default_factory=list)
    now: float = 0.0

    @property
    def ai_turns(self) -> list[Turn]:
        return [t for t in self.transcript if t.is_ai]

    def kinds(self) -> list[str]:
        return [str(t.move) for t in self.ai_turns]

    def render(self) -> str:
        lines = []
        for turn in self.transcript:
            clock = f"{int(turn.started_at_s // 60):02d}:{int(turn.started_at_s % 60):02d}"
            if turn.is_ai:
                tag = f"AI  {turn.move}{' ' + turn.question_id if turn.question_id else ''}"
            else:
                judged = self.judgements.get(turn.index)
                tag = "YOU " + (
                    f"[{judged.kind}{' → ' + judged.reason if judged.needs_follow_up else ''}]"
                    if judged
                    else ""
                )
            lines.append(f"{clock} {tag}: {turn.text}")
        return "\n".join(lines)


async def simulate(
    plan: InterviewPlan,
    script: Sequence[Say | None],
    *,
    seed: str = "session-1",
    max_steps: int = 400,
) -> Run:
    run = Run(plan)
    judge, voice = OfflineJudge(), OfflineVoice()
    pending: tuple[str, float] | None = None
    remaining = list(script)
    for _ in range(max_steps):
        move = decide(plan, run.transcript, run.now, run.judgements)
        if isinstance(move, Wait):
            if pending is not None and pending[1] <= move.until_s:
                text, at = pending
                pending = None
                turn = Turn(len(run.transcript), "participant", text, at, at + 1)
                run.now = at + 1
                run.transcript.append(turn)
                request = judge_request(plan, run.transcript)
                run.judgements[turn.index] = await judge.judge(request)
            else:
                assert move.until_s > run.now, f"a Wait must point ahead: {move} at {run.now}"
                run.now = move.until_s
            continue
        run.moves.append(move)
        context = VoiceContext(plan, tuple(run.transcript), seed)
        text = "".join([chunk async for chunk in voice.word(move, context)])
        spoken = len(text.split()) / AI_WORDS_PER_SECOND
        turn = ai_turn(
            move,
            index=len(run.transcript),
            text=text,
            started_at_s=run.now,
            ended_at_s=run.now + spoken,
        )
        run.transcript.append(turn)
        run.now += spoken
        if isinstance(move, Close):
            return run
        # A candidate already composing a reply keeps composing it through a check-in.
        if pending is None and remaining:
            step = remaining.pop(0)
            if step is not None:
                pending = (step.text, run.now + step.after_s)
    raise AssertionError("the interview did not close:\n" + run.render())


PROFILE: dict[str, Any] = {
    "name": "Backend screener",
    "persona": "You are Ava, a warm and curious interviewer for Acme's engineering team.",
    "useCase": "hiring",
    "evaluationDimensions": [
        {
            "id": "system_design",
            "name": "System Design",
            "description": "Designs scalable, reliable services and explains trade-offs",
            "weight": 40,
        },
        {
            "id": "python",
            "name": "Python",
            "description": "Writes idiomatic, tested Python",
            "weight": 30,
        },
        {
            "id": "communication",
            "name": "Communication",
            "description": "Explains clearly and listens",
            "weight": 20,
        },
        {
            "id": "ownership",
            "name": "Ownership",
            "description": "Takes responsibility end to end",
            "weight": 10,
        },
    ],
    "interaction": {
        "tone": "friendly",
        "style": "structured",
        "difficulty": "medium",
        "probingDepth": "medium",
    },
}
TEMPLATE: dict[str, Any] = {
    "template_name": "Senior Backend Engineer",
    "objective": "Own and scale our billing platform as it grows tenfold.",
    "skills": ["Python", "PostgreSQL", "System design"],
    "soft_skills": ["Communication", "Ownership"],
    "requirements": "5+ years building production services in Python.",
    "level": "Senior",
    "language": "en",
}
STAGE: dict[str, Any] = {"type": "screen", "stage_name": "Screen", "duration_minutes": 30}


def make_plan(
    *,
    profile: dict[str, Any] | None = None,
    template: dict[str, Any] | None = None,
    stage: dict[str, Any] | None = None,
    **interaction: str,
) -> InterviewPlan:
    chosen = dict(profile or PROFILE)
    if interaction:
        chosen["interaction"] = {**chosen["interaction"], **interaction}
    return build_plan(
        chosen,
        TEMPLATE if template is None else template,
        STAGE if stage is None else stage,
        candidate_name="Maria Lopez",
    )


GOOD = (
    "At my last company I led the redesign of our invoicing service. I split the monolith's "
    "billing code into a Python service backed by PostgreSQL, wrote the migration plan, and "
    "ran the dual-write period myself for three weeks. As a result, invoice generation went "
    "from 40 minutes to under 5, and we had zero billing incidents that quarter."
)
GOOD_2 = (
    "For example, last year our checkout latency doubled after a release. I profiled the "
    "Python workers, found an N+1 query against PostgreSQL, and rewrote it as a single join "
    "with an index. Then I added a regression test and a dashboard alert, which cut p95 "
    "latency by 60 percent and nobody saw it regress again."
)
VAGUE = (
    "I think I generally try to keep things clear and simple, and usually it works out fine. "
    "It kind of depends on the situation, but I guess communication is important and I try "
    "to do my best with stuff like that."
)
SHORT = "Yes, I have done that a lot."
