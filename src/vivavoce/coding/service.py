"""Code executions: queued in the caller's transaction, run by a worker in the sandbox,
their results written back and announced (LISTEN/NOTIFY) to whoever waits for them."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vivavoce.coding import interview, repository
from vivavoce.coding.evidence import CodingEvidence, RunRecord, runtime_errors
from vivavoce.coding.executor import CodeTest, ExecutionReport, Executor
from vivavoce.coding.runtimes import Language
from vivavoce.coding.sandbox import SandboxUnavailable
from vivavoce.coding.schemas import ExecutionCreate, LimitsIn, limits_from
from vivavoce.kit import jobs, pubsub
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Issue, NotFound, Unprocessable
from vivavoce.models import CodeExecution, CodingProblem, InterviewSession
from vivavoce.sessions import service as sessions
from vivavoce.sessions.transcript import CHANNEL

log = logging.getLogger(__name__)

JOB = "coding.execute"
TOPIC_PREFIX = "code_execution:"
WAIT_SECONDS = 30.0
PICKUP_SECONDS = 2.0  # the API answers 202 when no worker has started a run by then
FINISHED = ("completed", "failed")
_POLL_SECONDS = 1.0  # a lost notification delays the answer by at most this much


def topic(execution_id: uuid.UUID) -> str:
    return f"{TOPIC_PREFIX}{execution_id}"


async def get_problem(
    db: AsyncSession, workspace_id: uuid.UUID, problem_id: uuid.UUID
) -> CodingProblem:
    problem = await repository.problem(db, workspace_id, problem_id)
    if problem is None:
        raise NotFound("coding problem", resource="coding_problem", id=problem_id)
    return problem


def problem_tests(problem: CodingProblem, mode: str) -> list[dict[str, Any]]:
    """The tests a `run` (visible) or a `submit` (visible, then hidden) executes."""
    visible = [{**test, "hidden": False} for test in problem.visible_tests]
    if mode != "submit":
        return visible
    return visible + [{**test, "hidden": True} for test in problem.hidden_tests]


async def create(db: AsyncSession, workspace_id: uuid.UUID, body: ExecutionCreate) -> CodeExecution:
    """Queue an execution (and its job, in this transaction)."""
    if body.session_id is not None:
        await require_session(db, workspace_id, body.session_id)
    if body.problem_id is not None:
        problem = await get_problem(db, workspace_id, body.problem_id)
        if body.language.value not in problem.languages:
            raise Unprocessable(
                f"{body.language.value} is not allowed for this problem",
                [Issue(["body", "language"], f"one of: {', '.join(problem.languages)}")],
            )
        tests, entry = problem_tests(problem, body.mode), problem.entry
        limits = LimitsIn.model_validate(problem.limits).applied()
        mode: str = body.mode
    else:
        assert body.tests is not None
        assert body.entry is not None
        tests = [{**test.model_dump(), "hidden": False} for test in body.tests]
        entry, mode = body.entry, "tests"
        limits = (body.limits or LimitsIn()).applied()
    return await queue(
        db, workspace_id, body.language, body.source, entry, tests, limits, mode,
        session_id=body.session_id, problem_id=body.problem_id,
    )  # fmt: skip


async def queue(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    language: Language,
    source: str,
    entry: str,
    tests: list[dict[str, Any]],
    limits: dict[str, Any],
    mode: str,
    *,
    session_id: uuid.UUID | None,
    problem_id: uuid.UUID | None,
) -> CodeExecution:
    execution = CodeExecution(
        workspace_id=workspace_id,
        session_id=session_id,
        problem_id=problem_id,
        mode=mode,
        language=language.value,
        source=source,
        entry=entry,
        tests=tests,
        limits=limits,
        status="queued",
        output_truncated=False,
        total=len(tests),
        hidden_total=sum(bool(test.get("hidden")) for test in tests),
        created_at=utcnow(),
    )
    await repository.add(db, execution)
    await jobs.enqueue(db, JOB, {"execution_id": str(execution.id)})
    return execution


async def get(db: AsyncSession, workspace_id: uuid.UUID, execution_id: uuid.UUID) -> CodeExecution:
    execution = await repository.execution(db, workspace_id, execution_id)
    if execution is None:
        raise NotFound("code execution", resource="code_execution", id=execution_id)
    return execution


async def require_session(db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID) -> None:
    await sessions.get(db, workspace_id, session_id)  # 404 for a foreign session


async def for_session(
    db: AsyncSession, workspace_id: uuid.UUID, session_id: uuid.UUID
) -> Sequence[CodeExecution]:
    return await repository.executions_for_session(db, workspace_id, session_id)


async def wait_for(
    maker: async_sessionmaker[AsyncSession],
    listener: pubsub.Listener,
    workspace_id: uuid.UUID,
    execution_id: uuid.UUID,
    patience: float = WAIT_SECONDS,
    pickup: float | None = None,
) -> CodeExecution:
    """The execution once a worker has finished it, or as it is after `patience` seconds,
    or (with `pickup`) as soon as no worker has started it within `pickup` seconds."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with listener.subscribe(topic(execution_id)) as wake:
        while True:
            wake.clear()
            async with unit_of_work(maker) as db:
                execution = await get(db, workspace_id, execution_id)
            waited = loop.time() - started
            unclaimed = pickup is not None and execution.status == "queued" and waited >= pickup
            if execution.status in FINISHED or waited >= patience or unclaimed:
                return execution
            try:
                await asyncio.wait_for(wake.wait(), min(patience - waited, _POLL_SECONDS))
            except TimeoutError:
                continue


async def run(
    maker: async_sessionmaker[AsyncSession], executor: Executor, execution_id: uuid.UUID
) -> None:
    """The job: run a queued execution (no transaction open meanwhile) and store its results;
    a second run of the job finds it finished and does nothing."""
    async with unit_of_work(maker) as db:
        execution = await repository.execution_for_update(db, execution_id)
        if execution is None or execution.status in FINISHED:
            return
        execution.status = "running"  # a retried job (a worker died) runs it again
        job = _Job(execution)
        await pubsub.notify(db, CHANNEL, topic(execution_id))
    try:
        report = await executor.execute(
            job.language, job.source, job.entry, job.tests, limits_from(job.limits)
        )
    except SandboxUnavailable as error:
        log.error("code execution %s cannot run: %s", execution_id, error)
        await _finish(maker, execution_id, None, str(error))
        return
    try:
        await _finish(maker, execution_id, report, None)
    except SQLAlchemyError:  # a result no column can hold: say so rather than retry forever
        log.exception("code execution %s: its results could not be stored", execution_id)
        await _finish(maker, execution_id, None, "the run's results could not be stored")


class _Job:
    def __init__(self, execution: CodeExecution) -> None:
        self.language = Language(execution.language)
        self.source, self.entry, self.limits = execution.source, execution.entry, execution.limits
        self.tests = [
            CodeTest(t["args"], t["expected"], hidden=bool(t.get("hidden")), name=t.get("name"))
            for t in execution.tests
        ]


async def _finish(
    maker: async_sessionmaker[AsyncSession],
    execution_id: uuid.UUID,
    report: ExecutionReport | None,
    error: str | None,
) -> None:
    async with unit_of_work(maker) as db:
        execution = await repository.execution_for_update(db, execution_id)
        if execution is None or execution.status in FINISHED:
            return
        execution.completed_at = utcnow()
        if report is None:
            execution.status, execution.error = "failed", error
        else:
            _store_report(execution, report)
        await db.flush()
        await pubsub.notify(db, CHANNEL, topic(execution_id))


def _store_report(execution: CodeExecution, report: ExecutionReport) -> None:
    tests = execution.tests
    results = []
    for result in report.results:
        test = tests[result.index]
        results.append(
            {
                **asdict(result),
                "name": test.get("name"),
                "hidden": bool(test.get("hidden")),
                "args": test["args"],
                "expected": test["expected"],
            }
        )
    hidden = [r for r in results if r["hidden"]]
    execution.status = "completed"
    execution.results = results
    execution.passed = sum(r["status"] == "passed" for r in results)
    execution.hidden_passed = sum(r["status"] == "passed" for r in hidden)
    execution.stdout, execution.stderr = report.stdout, report.stderr
    execution.output_truncated = report.output_truncated
    execution.error = report.load_error
    execution.wall_ms, execution.cpu_ms = report.wall_ms, report.cpu_ms
    execution.max_memory_kb = report.max_memory_kb or None


async def scoring_evidence(
    db: AsyncSession, session: InterviewSession, turns: Sequence[Any]
) -> CodingEvidence | None:
    """What the scorecard's coding dimension rests on: the session's finished runs and the
    candidate's answers to the coding questions (`turns`: the stored turns, in order); None
    for a session without a coding problem."""
    if await repository.drawn_problem_id(db, session.id) is None:
        return None
    executions = await repository.executions_for_session(db, session.workspace_id, session.id)
    finished = [e for e in executions if e.status == "completed"]
    runs = tuple(
        RunRecord(
            number=number,
            mode=e.mode,
            language=e.language,
            passed=e.passed or 0,
            total=e.total,
            hidden_passed=e.hidden_passed,
            hidden_total=e.hidden_total,
            errors=runtime_errors(e.results or []),
        )
        for number, e in enumerate(finished, start=1)
    )
    answers: set[int] = set()
    asking: str | None = None
    for turn in turns:
        if turn.speaker == "ai":
            asking = (turn.meta or {}).get("question_id")
        elif interview.is_coding(asking):
            answers.add(turn.index)
    return CodingEvidence(runs=runs, answer_turns=frozenset(answers))


ERASED_RESULT_KEYS = ("index", "name", "hidden", "status", "time_ms", "args", "expected")


async def erase_participant_code(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID
) -> int:
    """For a deletion request: the participant's runs keep their outcomes (status, counts,
    times) but lose the code, its output and its values, as their turns lose their text."""
    executions = await repository.executions_of_participant(db, workspace_id, participant_id)
    for execution in executions:
        execution.source = ""
        execution.stdout = execution.stderr = execution.error = None
        execution.results = [
            {key: result.get(key) for key in ERASED_RESULT_KEYS}
            for result in execution.results or []
        ]
    await db.flush()
    return len(executions)
