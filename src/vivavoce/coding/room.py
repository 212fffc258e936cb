"""The coding pane of the interview room: the candidate's view of their session's problem
and runs, authenticated by the join token. Hidden tests show their outcome only."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vivavoce.coding import interview, problems, service
from vivavoce.coding.problem_schemas import problem_public
from vivavoce.coding.runtimes import Language
from vivavoce.coding.schemas import MAX_SOURCE_CHARS, LimitsIn, Mode, execution_public
from vivavoce.interviewer.engine import Ask, Move
from vivavoce.interviewer.plan import InterviewPlan
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Conflict, Issue, NotFound, Unprocessable
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import CodeExecution, CodingProblem, InterviewSession
from vivavoce.sessions import service as sessions
from vivavoce.sessions.state import Status

RUNS_SHOWN = 20


class RoomRun(StrictModel):
    language: Language
    source: str = Field(max_length=MAX_SOURCE_CHARS)
    mode: Mode


def candidate_problem(problem: CodingProblem) -> dict[str, Any]:
    shown = problem_public(problem, with_hidden=False)
    for key in ("hidden_tests", "created_at", "updated_at", "evaluation_stage_id"):
        shown.pop(key, None)
    return shown


def candidate_run(execution: CodeExecution) -> dict[str, Any]:
    shown = execution_public(execution, reveal_hidden=False)
    for key in ("session_id", "problem_id", "limits"):
        shown.pop(key, None)
    return shown


async def _session_problem(db: AsyncSession, token: str) -> tuple[InterviewSession, CodingProblem]:
    session = await sessions.session_for_token(db, token)
    problem = await problems.for_session(db, session)
    if problem is None:
        raise NotFound("coding problem", code="no_coding_problem", resource="coding_problem")
    return session, problem


async def pane(db: AsyncSession, token: str) -> dict[str, Any]:
    """The problem (drawn now if need be) and the latest runs, newest last."""
    session, problem = await _session_problem(db, token)
    runs = await service.for_session(db, session.workspace_id, session.id)
    return {
        "problem": candidate_problem(problem),
        "runs": [candidate_run(run) for run in runs[-RUNS_SHOWN:]],
    }


async def queue_run(db: AsyncSession, token: str, body: RoomRun) -> tuple[uuid.UUID, uuid.UUID]:
    """Queue a Run (visible tests) or Submit (all) of the candidate's code; (workspace, id)."""
    session, problem = await _session_problem(db, token)
    if session.status != Status.IN_PROGRESS.value:
        raise Conflict(
            f"the interview is {session.status}; code runs only while it is in progress",
            code="session_not_in_progress",
        )
    if body.language.value not in problem.languages:
        raise Unprocessable(
            f"{body.language.value} is not allowed for this problem",
            [Issue(["body", "language"], f"one of: {', '.join(problem.languages)}")],
        )
    limits = LimitsIn.model_validate(problem.limits).applied()
    execution = await service.queue(
        db, session.workspace_id, body.language, body.source, problem.entry,
        service.problem_tests(problem, body.mode), limits, body.mode,
        session_id=session.id, problem_id=problem.id,
    )  # fmt: skip
    return session.workspace_id, execution.id


class LiveCodingRound:
    """The coding round of the live room (`interviewer.coding_round.CodingRound`): each call
    reads in a short transaction of its own from `maker`."""

    def __init__(self, maker: async_sessionmaker[AsyncSession]) -> None:
        self._maker = maker

    async def plan_with_problem(
        self, workspace_id: uuid.UUID, session_id: uuid.UUID, plan: InterviewPlan
    ) -> InterviewPlan:
        """The interview plan, with the coding questions when the session has a problem
        (drawn now if need be, so the room and the pane agree)."""
        async with unit_of_work(self._maker) as db:
            session = await sessions.get(db, workspace_id, session_id)
            problem = await problems.for_session(db, session)
        return plan if problem is None else interview.with_coding_questions(plan, problem.title)

    async def live_move(self, workspace_id: uuid.UUID, session_id: uuid.UUID, move: Move) -> Move:
        """A coding question worded from the candidate's latest finished run; any other
        move unchanged."""
        if not isinstance(move, Ask) or not interview.is_coding(move.question.id):
            return move
        async with unit_of_work(self._maker) as db:
            session = await sessions.get(db, workspace_id, session_id)
            problem = await problems.for_session(db, session)
            runs = await service.for_session(db, workspace_id, session_id)
        finished = [run for run in runs if run.status == "completed"]
        latest = None
        if finished:
            latest = interview.latest_run(len(finished), execution_public(finished[-1]))
        entry = problem.entry if problem is not None else "solution"
        text = interview.live_text(move.question, latest, entry)
        return dataclasses.replace(move, question=dataclasses.replace(move.question, text=text))
