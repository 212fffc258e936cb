"""The live room's side of a role-play: which sessions are scenes, and what a scene turn
stores. `room.py` asks a `SceneDirector` instead of the interviewer engine for a role-play
stage's session; everything else (the connection, the reveal, retries, the lifecycle) is the
room's own.

The scenario is fixed when the scene opens: the opening line's meta holds it (with the
plan), so a stage edited meanwhile never changes a scene under way, and a reload or another
process reads it back from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.interviewer import scene
from vivavoce.interviewer.engine import Wait
from vivavoce.interviewer.judge import AnswerJudgement, JudgeRequest
from vivavoce.interviewer.plan import InterviewPlan
from vivavoce.interviewer.scene import Beat, Scenario, SceneClose, SceneLine
from vivavoce.interviewer.scene_voice import SceneContext
from vivavoce.interviewer.turns import Turn
from vivavoce.models import InterviewSession
from vivavoce.sessions import service as sessions
from vivavoce.sessions.transcript import StoredTurn


def is_scene_move(move: object) -> bool:
    return isinstance(move, SceneLine | SceneClose)


@dataclass(frozen=True, slots=True)
class SceneDirector:
    """One session's scene: its scenario as stored (`raw`) and as the engine reads it."""

    scenario: Scenario
    raw: Mapping[str, Any]

    def decide(
        self,
        turns: Sequence[Turn],
        elapsed: float,
        judgements: Mapping[int, AnswerJudgement],
    ) -> SceneLine | SceneClose | Wait:
        return scene.decide(self.scenario, turns, elapsed, judgements)

    def judge_request(self, plan: InterviewPlan, turns: Sequence[Turn]) -> JudgeRequest:
        return scene.judge_request(self.scenario, plan, turns)

    def context(self, plan: InterviewPlan, turns: Sequence[Turn], seed: str) -> SceneContext:
        return SceneContext(self.scenario, turns, language=plan.language, seed=seed)

    def turn_meta(self, move: object, plan: InterviewPlan) -> dict[str, Any]:
        """What a scene turn's meta adds: the character's name on their lines, the beat,
        the target and the state; the scenario and plan on the opening line."""
        if isinstance(move, SceneClose):
            return {"scene": {"outcome": move.outcome, **move.state.summary(self.scenario)}}
        if not isinstance(move, SceneLine):
            return {}
        meta: dict[str, Any] = {
            "character": self.scenario.character_name,
            "beat": move.beat.value,
            "target": move.target,
            "scene": move.state.summary(self.scenario),
        }
        if move.reading is not None:  # what code heard in the candidate's turn before it
            meta["heard"] = move.reading.signals()
        if move.beat is Beat.OPEN:
            meta["plan"] = plan.to_dict()
            meta["scenario"] = dict(self.raw)
        return meta


async def scenario_for(
    db: AsyncSession,
    session: InterviewSession,
    stored: Sequence[StoredTurn],
    plan: InterviewPlan,
    stage: Mapping[str, Any] | None = None,
) -> SceneDirector | None:
    """The session's scene, or None when it is not a role-play: from the opening line's meta
    once the scene has opened, else from the stage (`stage` when the caller has read it;
    only read before the first turn)."""
    if stored:
        raw = stored[0].meta.get("scenario")
    else:
        if stage is None:
            stage = (await sessions.interview_setup(db, session)).stage
        raw = stage.get("roleplay") if _is_roleplay(stage) else None
    if not isinstance(raw, dict):
        return None
    return SceneDirector(Scenario.from_dict(raw, duration_seconds=plan.duration_seconds), raw)


def _is_roleplay(stage: Mapping[str, Any]) -> bool:
    return stage.get("stage_type") == "roleplay_simulation"
