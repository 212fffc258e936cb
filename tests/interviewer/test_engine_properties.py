"""Whatever the candidate does and however long it takes, the flow keeps its promises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.interviewer.sim import make_plan
from vivavoce.interviewer.engine import (
    MIN_QUESTION_SECONDS,
    Ask,
    Close,
    FollowUp,
    Wait,
    WrapUp,
    ai_turn,
    decide,
)
from vivavoce.interviewer.judge import AnswerJudgement, AnswerKind, FollowUpReason
from vivavoce.interviewer.turns import Turn

Step = tuple[AnswerKind | None, bool, float]  # judged kind (None: silence), needs follow-up, delay

steps = st.lists(
    st.tuples(
        st.one_of(st.none(), st.sampled_from(list(AnswerKind))),
        st.booleans(),
        st.floats(min_value=1, max_value=400),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(
    script=steps,
    depth=st.sampled_from(["low", "medium", "high"]),
    minutes=st.sampled_from([5, 10, 20, 30]),
    limits=st.none() | st.lists(st.none() | st.integers(30, 600), min_size=1, max_size=8),
)
def test_the_flow_keeps_its_promises(
    script: list[Step], depth: str, minutes: int, limits: list[int | None] | None
) -> None:
    stage: dict[str, object] = {"duration_minutes": minutes}
    if limits is not None:  # a question bank, some questions with their own time limit
        stage["questions"] = [
            {"text": f"Question {n}?", "dimensions": ["Python"], "time_limit_seconds": limit}
            for n, limit in enumerate(limits)
        ]
    plan = make_plan(probingDepth=depth, stage=stage)
    transcript: list[Turn] = []
    judgements: dict[int, AnswerJudgement] = {}
    now = 0.0
    moves = []
    pending = list(script)
    for _ in range(1000):
        move = decide(plan, transcript, now, judgements)
        if isinstance(move, Wait):
            assert move.until_s > now
            step = pending.pop(0) if pending else None
            if step is None or step[0] is None or now + step[2] > move.until_s:
                now = move.until_s
                continue
            kind, needs, delay = step
            assert kind is not None  # checked above, on the tuple
            now += delay
            index = len(transcript)
            transcript.append(Turn(index, "participant", "…", now, now + 1))
            judgements[index] = AnswerJudgement(
                index,
                kind,
                needs_follow_up=needs and kind is AnswerKind.ANSWER,
                reason=FollowUpReason.VAGUE if needs else FollowUpReason.NONE,
            )
            now += 1
            continue
        moves.append((now, move))
        transcript.append(
            ai_turn(move, index=len(transcript), text="…", started_at_s=now, ended_at_s=now + 5)
        )
        now += 5
        if isinstance(move, Close):
            break
    else:
        raise AssertionError("never closed")

    asks = [m.question.id for _, m in moves if isinstance(m, Ask)]
    assert len(asks) == len(set(asks)), "a question was asked twice"
    positions = [plan.position(q) for q in asks]
    assert positions == sorted(positions), "questions went backwards"
    for question_id in asks:
        count = sum(1 for _, m in moves if isinstance(m, FollowUp) and m.question.id == question_id)
        assert count <= plan.max_follow_ups
    wrap = [at for at, m in moves if isinstance(m, WrapUp)]
    assert len(wrap) == 1, "the interview always wraps up before closing"
    assert wrap[0] <= plan.wrap_up_at_s + 10, "the wrap-up came late"
    for at, move in moves:
        if isinstance(move, Ask):
            assert at <= plan.wrap_up_at_s - MIN_QUESTION_SECONDS + 1e-6
        if wrap and at > wrap[0]:
            assert not isinstance(move, Ask | FollowUp), "asked after wrapping up"
    closing_at, closing = moves[-1]
    assert isinstance(closing, Close)
    assert closing_at <= plan.duration_seconds + 10
    if closing.reason == "time_up":
        assert closing_at >= plan.duration_seconds
