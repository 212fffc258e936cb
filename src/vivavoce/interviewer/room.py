"""The live room: one candidate connection driving the pure interviewer over the database.

Everything the interview needs is in the database (the plan is stored in the greeting
turn's metadata, every AI turn carries its move and question id, every candidate turn its
judgement), so a reload, a second tab or another server process resumes exactly where the
interview was. The room reads the session and its turns back before it moves, with one
cache: while it waits for the candidate it keeps the snapshot its last decision was made on,
and an answer extends that snapshot instead of reading it again (a turn another connection
wrote meanwhile makes the answer's append fail on its index). No database transaction is
held while waiting for the candidate: each read, turn and status change is its own short
transaction, through the session services.

One connection owns a live session at a time, across processes: every write the room makes
(a turn, the completion, a failure) names its connection and is refused once another holds
the interview, and every turn names the index it was decided for, so two writers can never
store the same turn twice (`room_owners` tells a displaced connection at once). Frames are
read by `room_frames`.

Pacing (`reveal`): a reply's words go out at `reveal_words_per_second`, one word per
`ai_delta`, but the turn is stored the moment its words are complete; the rest of the reveal
and the turn's `turn` frame then follow by themselves, while the room already waits for the
candidate. An answer (or an end) that arrives during a reveal shows the rest at once, and is
stored after the AI turn it answers.

Protocol (JSON text frames, at most `MAX_MESSAGE_BYTES`):

    client → {"type": "consent"} | {"type": "resume"}       start or resume (once)
             {"type": "answer", "text": "…", "signals": […]} a candidate turn, with the
                                                              page's signals for it
             {"type": "typing"}                               the candidate is typing
             {"type": "end"}                                  end the interview early
    server → {"type": "status", "state": "live" | "ended" | "taken_over", …}
             {"type": "ai_status", "state": "thinking" | "waiting", "message"?}
             {"type": "turn", "index", "speaker", "text"}     a stored turn
             {"type": "ai_delta", "text"}                     the AI turn being worded,
                                                              revealed at a reading pace
             {"type": "ai_retract", "reason"}                 drop the words streamed so far
             {"type": "error", "code", "message"}
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vivavoce.interviewer import room_owners
from vivavoce.interviewer.coding_round import CodingRound
from vivavoce.interviewer.early_wording import EarlyWording, quick_judge
from vivavoce.interviewer.engine import (
    Close,
    InterviewClosed,
    Move,
    Wait,
    decide,
    judge_request,
)
from vivavoce.interviewer.judge import AnswerJudgement, AnswerKind, Judge
from vivavoce.interviewer.plan import InterviewPlan, build_plan
from vivavoce.interviewer.providers import ProviderUnavailable
from vivavoce.interviewer.reveal import Reveal
from vivavoce.interviewer.room_frames import (
    CLOSE_ENDED,
    CLOSE_POLICY,
    CLOSE_TAKEN_OVER,
    CLOSE_TOO_BIG,
    MAX_MESSAGE_BYTES,
    ONE_MOMENT,
    Frame,
    RateBucket,
    Refusal,
    ai_status,
    error,
    read_frame,
    turn_message,
)
from vivavoce.interviewer.scene import SceneClose, SceneLine, SceneOver
from vivavoce.interviewer.scene_room import (
    SceneDirector,
    is_scene_move,
    scenario_for,
)
from vivavoce.interviewer.scene_voice import OfflineSceneVoice, SceneContext, SceneVoice
from vivavoce.interviewer.similarity import ModelAnswerer, similarity
from vivavoce.interviewer.turns import MoveKind, Turn
from vivavoce.interviewer.voice import Voice, VoiceContext
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Conflict, NotFound
from vivavoce.kit.recognition import Word, to_stored, unsure_words
from vivavoce.kit.recognition import from_stored as stored_words
from vivavoce.sessions import service as sessions
from vivavoce.sessions import signals, transcript
from vivavoce.sessions.errors import ConnectionReplaced, TurnIndexTaken
from vivavoce.sessions.state import EndReason, Status

log = logging.getLogger(__name__)

TYPING_HOLD_SECONDS = 10.0  # a timer falling due while the candidate types waits this long
MIN_COMPARED_CHARACTERS = 30  # shorter answers are not compared with the model answer
MAX_RETRY_DELAY_SECONDS = 8.0

Send = Callable[[dict[str, Any]], Awaitable[None]]
CloseSocket = Callable[[int], Awaitable[None]]


@dataclass
class RoomDeps:
    sessionmaker: Any  # async_sessionmaker[AsyncSession]
    links: sessions.SessionLinks
    grace_seconds: float
    # The configured interviewer (offline unless VIVAVOCE_LLM_BASE_URL is set).
    voice: Voice
    judge: Judge
    # The coding round (coding.room.LiveCodingRound): its questions and their wording.
    coding: CodingRound
    # An interviewer that fails (down, or a stream broken off midway) is asked again with
    # backoff for this long after the first failure before the session fails as
    # technical_failure: VIVAVOCE_INTERVIEWER_OUTAGE_BUDGET_SECONDS.
    outage_budget_seconds: float = 20.0
    retry_backoff_seconds: float = 0.5
    # Writes the model answers scripted_answer_similarity compares with (an LLM), or None.
    answerer: ModelAnswerer | None = None
    # Where heartbeats write (a small pool of their own), or None: the main sessionmaker.
    liveness_sessionmaker: Any = None
    # This process's listener on the transcript channel (a kit.pubsub.Listener), through
    # which a takeover on another process reaches the displaced room at once; or None.
    listener: Any = None
    # The pace a reply is shown at (VIVAVOCE_INTERVIEWER_REVEAL_WORDS_PER_SECOND); 0: as
    # fast as it is worded (voice, where the audio paces the words).
    reveal_words_per_second: float = 0.0
    # Words a role-play character's lines (offline unless an LLM is configured).
    scene_voice: SceneVoice = field(default_factory=OfflineSceneVoice)

    def retry_delay(self, attempt: int) -> float:
        """Exponential backoff with up to 25 % jitter, at most 8 s (+ jitter)."""
        base = min(MAX_RETRY_DELAY_SECONDS, self.retry_backoff_seconds * 2.0**attempt)
        return base * (1 + secrets.randbelow(250) / 1000)

    @property
    def heartbeat_seconds(self) -> float:
        return max(0.2, min(self.grace_seconds / 3, 20.0))


@dataclass(frozen=True)
class Snapshot:
    status: str
    plan: InterviewPlan
    turns: tuple[Turn, ...]
    judgements: dict[int, AnswerJudgement]
    elapsed: float
    origin: datetime  # the interview's start: turn times are seconds after it
    scene: SceneDirector | None = None  # a role-play stage: the scene, not the plan, decides

    def extended(self, turn: Turn | None, judgement: AnswerJudgement | None = None) -> Snapshot:
        """This snapshot with a turn the room has just stored (or none: just the time now),
        as a re-read would give it, without the round trip (the append itself checks that
        the interview is on and that the turn went where it was decided for)."""
        judgements = dict(self.judgements)
        if judgement is not None and turn is not None:
            judgements[turn.index] = judgement
        return Snapshot(
            status=self.status,
            plan=self.plan,
            turns=self.turns if turn is None else (*self.turns, turn),
            judgements=judgements,
            elapsed=(utcnow() - self.origin).total_seconds(),
            origin=self.origin,
            scene=self.scene,
        )


RoomMove = Move | SceneLine | SceneClose


def _decide(snapshot: Snapshot) -> RoomMove:
    """The next move: the scene's in a role-play, else the interviewer's."""
    if snapshot.scene is not None:
        return snapshot.scene.decide(snapshot.turns, snapshot.elapsed, snapshot.judgements)
    return decide(snapshot.plan, snapshot.turns, snapshot.elapsed, snapshot.judgements)


def _move_kind(value: object) -> MoveKind | None:
    try:
        return MoveKind(value) if isinstance(value, str) else None
    except ValueError:
        return None


class Room:
    """One candidate connection. Feed it raw frames with `receive`; call `disconnected`
    when the socket goes away."""

    def __init__(
        self,
        deps: RoomDeps,
        token: str,
        send: Send,
        close: CloseSocket,
        *,
        client_address: str | None = None,
        user_agent: str | None = None,
    ) -> None:
        self.deps = deps
        self.token = token
        self.client_address = client_address
        self.user_agent = user_agent
        self._send_raw = send
        self._close_raw = close
        self.connection_id = secrets.token_hex(16)
        self.session_id: uuid.UUID | None = None
        self.workspace_id: uuid.UUID | None = None
        self.started_at: datetime | None = None
        self.plan: InterviewPlan | None = None
        self.scene: SceneDirector | None = None
        self._scene_read = False
        self.ended = False
        self.closed = False
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None  # a silence timer, not yet due
        self._due: set[asyncio.Task[None]] = set()  # timers that fell due and are moving
        self._heartbeat: asyncio.Task[None] | None = None
        self._rate = RateBucket()
        self._typing_until = 0.0
        self._typing_started: datetime | None = None  # first `typing` frame of this answer
        self._model_answers: dict[str, asyncio.Task[str | None]] = {}
        self._early: EarlyWording | None = None  # the next move, worded while judging
        # the snapshot the last decision was made on, while the room waits for the candidate
        # (what a read would give unless another connection wrote meanwhile, which the next
        # append detects by its index)
        self._known: Snapshot | None = None
        self._reveal: Reveal | None = None  # the last reply's words, maybe still being shown
        self._answering = 0  # answers waiting to be stored: replies are shown at once

    # --- transport ------------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            await self._send_raw(message)
        except Exception:  # the socket is gone; the receive loop notices
            self.closed = True

    async def close(self, code: int) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await self._close_raw(code)

    async def receive(self, raw: str | bytes | None, heard: tuple[Word, ...] = ()) -> bool:
        """Handle one frame; False when the connection should end. `heard`: for an answer
        the voice channel transcribed, the recogniser's words and their confidences (never
        from the client's frame)."""
        if raw is None:
            return not self.closed
        if len(raw) > MAX_MESSAGE_BYTES:
            await self.send(error("message_too_large", "messages are at most 20 kB"))
            await self.close(CLOSE_TOO_BIG)
            return False
        if not self._rate.allow():
            await self.send(error("rate_limited", "too many messages"))
            await self.close(CLOSE_POLICY)
            return False
        frame = read_frame(raw)
        if isinstance(frame, Refusal):
            await self.send(frame.message)
            return True
        if self.ended:
            await self.send(error("interview_over", "this interview has ended"))
            return True
        await self._act(frame, heard)
        return not self.closed

    async def _act(self, frame: Frame, heard: tuple[Word, ...] = ()) -> None:
        if frame.kind in ("consent", "resume"):
            await self.start()
        elif self.session_id is None:
            await self.send(error("not_started", "consent first"))
        elif frame.kind == "answer":
            await self.answer(frame.text, frame.signals, heard)
        elif frame.kind == "typing":
            self._typing_until = time.monotonic() + TYPING_HOLD_SECONDS
            if self._typing_started is None:
                self._typing_started = utcnow()
        elif frame.kind == "end":
            await self.end()

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        if self.session_id is not None:
            await self.send(error("already_started", "the interview is already open here"))
            return
        now = utcnow()
        try:
            async with unit_of_work(self.deps.sessionmaker) as db:
                session = await sessions.join(db, self.token, self.deps.links, now)
                await sessions.claim_connection(db, session.id, self.connection_id, now)
                await sessions.schedule_grace_check(
                    db, session.id, self.connection_id, self.deps.grace_seconds
                )
                await signals.record_connection(
                    db,
                    session.id,
                    now,
                    secret_key=self.deps.links.secret_key,
                    address=self.client_address,
                    user_agent=self.user_agent,
                )
                self.session_id, self.workspace_id = session.id, session.workspace_id
                self.started_at = session.started_at
        except NotFound:
            await self.send(error("not_found", "this interview link is not valid"))
            await self.close(CLOSE_POLICY)
            return
        except Conflict:
            await self._ended_elsewhere()
            return
        assert self.session_id is not None
        room_owners.watch(self.deps.listener)
        previous = room_owners.register(self.session_id, self)
        if isinstance(previous, Room):
            await previous.taken_over()
        self._heartbeat = asyncio.create_task(self._beat())
        snapshot = await self._snapshot()
        if snapshot is None:
            await self._ended_elsewhere()
            return
        for turn in snapshot.turns:
            await self.send(turn_message(turn.index, turn.speaker, turn.text))
        asked = [t.question_id for t in snapshot.turns if t.is_ai and t.question_id]
        if asked:
            self._prepare_model_answer(snapshot.plan, asked[-1])
        await self.send(
            {
                "type": "status",
                "state": "live",
                "duration_seconds": snapshot.plan.duration_seconds,
                "elapsed_seconds": round(snapshot.elapsed, 1),
            }
        )
        await self.advance(snapshot)

    async def taken_over(self) -> None:
        """Another connection holds the interview now: say so and close. Once."""
        if self.ended:
            return
        self.ended = True
        self._stop_tasks()
        if self.session_id is not None:  # the server's own record of a concurrent connection
            try:
                async with unit_of_work(self.deps.sessionmaker) as db:
                    await signals.record_server(
                        db, self.session_id, signals.Kind.TAKEOVER, utcnow()
                    )
            except Exception:
                log.warning("could not record a takeover", exc_info=True)
        await self.send(
            {
                "type": "status",
                "state": "taken_over",
                "message": "This interview was opened in another window or tab.",
            }
        )
        await self.close(CLOSE_TAKEN_OVER)

    async def check_holder(self) -> None:
        """Re-read who holds the interview (a takeover was announced) and close when it is
        no longer this connection."""
        if self.ended or self.session_id is None:
            return
        try:
            async with self._liveness() as db:
                holder = await sessions.live_holder(db, self.session_id)
        except Exception:
            log.warning("could not check the live room's holder", exc_info=True)
            return
        if holder != self.connection_id:
            await self.taken_over()

    async def disconnected(self) -> None:
        self.closed = True
        self._stop_tasks()
        if self.session_id is None:
            return
        room_owners.unregister(self.session_id, self)
        if self.ended:
            return
        with contextlib.suppress(Exception):  # last seen now: the grace window starts here
            async with unit_of_work(self._liveness) as db:
                await sessions.touch_connection(db, self.session_id, self.connection_id, utcnow())

    def _stop_tasks(self) -> None:
        """Cancel everything this connection still had going: its timers (also one that fell
        due and is making its move), its heartbeat and its model answers."""
        current = asyncio.current_task()
        for task in (self._timer, self._heartbeat, *self._due, *self._model_answers.values()):
            if task is not None and task is not current:
                task.cancel()
        if self._reveal is not None:
            self._reveal.cancel()
        self._timer = None
        self._due.clear()
        self._model_answers.clear()
        self._drop_early()

    def _prepare_model_answer(self, plan: InterviewPlan, question_id: str | None) -> None:
        """Have the LLM write its own answer to this question, in the background, so the
        candidate's answer can be compared with it (scripted_answer_similarity)."""
        answerer = self.deps.answerer
        if answerer is None or question_id is None or question_id in self._model_answers:
            return
        question = next((q for q in plan.questions if q.id == question_id), None)
        if question is not None:
            task = asyncio.create_task(answerer.model_answer(plan, question))
            self._model_answers[question_id] = task

    def _scripted_similarity(self, snapshot: Snapshot, text: str) -> float | None:
        """The answer's similarity to the model answer for the question on the table, when
        that answer is ready (never waited for: the reply must not be held up)."""
        if len(text) < MIN_COMPARED_CHARACTERS:
            return None
        asked = [t.question_id for t in snapshot.turns if t.is_ai and t.question_id]
        task = self._model_answers.get(asked[-1]) if asked else None
        if task is None or not task.done() or task.cancelled() or task.exception() is not None:
            return None
        reference = task.result()
        return round(similarity(text, reference), 3) if reference else None

    @property
    def _liveness(self) -> Any:
        return self.deps.liveness_sessionmaker or self.deps.sessionmaker

    async def _beat(self) -> None:
        assert self.session_id is not None
        # The first beat comes at a random point of the interval, so the heartbeats of many
        # candidates who joined together (a class, a hiring day) do not all fall at once.
        delay = self.deps.heartbeat_seconds * (0.1 + secrets.randbelow(900) / 1000)
        while not self.closed:
            await asyncio.sleep(delay)
            delay = self.deps.heartbeat_seconds
            try:
                async with unit_of_work(self._liveness) as db:
                    mine = await sessions.touch_connection(
                        db, self.session_id, self.connection_id, utcnow()
                    )
            except Exception:
                log.warning("live room heartbeat failed", exc_info=True)
                delay = min(1.0, delay / 4)  # tried again soon, well within the grace window
                continue
            if not mine:
                await self.taken_over()
                return

    async def end(self) -> None:
        assert self.session_id is not None
        assert self.workspace_id is not None
        self._answering += 1  # whatever is still being shown goes at once
        if self._reveal is not None:
            self._reveal.hurry()
        async with self._lock:
            await self._settle_reveal()
            self._answering -= 1
            await self._end_as(EndReason.CANDIDATE_ENDED)

    async def _finished(self, status: str, reason: str | None) -> None:
        self.ended = True
        self._stop_tasks()
        await self.send({"type": "status", "state": "ended", "status": status, "reason": reason})
        await self.close(CLOSE_ENDED)

    async def _refused(self, refused: Conflict) -> None:
        """A write was refused: this connection was displaced, or the interview is over."""
        if isinstance(refused, ConnectionReplaced):
            await self.taken_over()
        else:
            await self._ended_elsewhere()

    async def _ended_elsewhere(self) -> None:
        status: str = "ended"
        reason: str | None = None
        with contextlib.suppress(Exception):
            async with self.deps.sessionmaker() as db:
                session = await sessions.session_for_token(db, self.token)
                status, reason = session.status, session.end_reason
        await self._finished(status, reason)

    # --- the interview --------------------------------------------------------------------

    async def _snapshot(self) -> Snapshot | None:
        assert self.session_id is not None
        assert self.workspace_id is not None
        async with self.deps.sessionmaker() as db:
            session = await sessions.get(db, self.workspace_id, self.session_id)
            if session.status != Status.IN_PROGRESS.value:
                return None
            stored = await transcript.stored_turns(db, self.session_id)
            if self.plan is None:
                saved = stored[0].meta.get("plan") if stored else None
                setup: sessions.InterviewSetup | None = None
                if isinstance(saved, dict):
                    self.plan = InterviewPlan.from_dict(saved)
                else:
                    setup = await sessions.interview_setup(db, session)
                    self.plan = build_plan(
                        setup.profile,
                        setup.template,
                        setup.stage,
                        candidate_name=setup.candidate_name,
                    )
                    self.plan = await self.deps.coding.plan_with_problem(
                        self.workspace_id, self.session_id, self.plan
                    )
            if not self._scene_read:
                stage = setup.stage if setup is not None else None
                self.scene = await scenario_for(db, session, stored, self.plan, stage)
                self._scene_read = True
            origin = session.started_at or utcnow()
        turns: list[Turn] = []
        judgements: dict[int, AnswerJudgement] = {}
        for row in stored:
            move = row.meta.get("move")
            question = row.meta.get("question_id")
            turns.append(
                Turn(
                    index=row.index,
                    speaker="ai" if row.speaker == "ai" else "participant",
                    text=row.text,
                    started_at_s=(row.started_at - origin).total_seconds(),
                    ended_at_s=(row.ended_at - origin).total_seconds(),
                    move=_move_kind(move),
                    question_id=question if isinstance(question, str) else None,
                    unsure_words=unsure_words(stored_words(row.words)),
                )
            )
            verdict = row.meta.get("judgement")
            if isinstance(verdict, dict):
                judgements[row.index] = AnswerJudgement.from_dict(verdict, turn_index=row.index)
        return Snapshot(
            status=session.status,
            plan=self.plan,
            turns=tuple(turns),
            judgements=judgements,
            elapsed=(utcnow() - origin).total_seconds(),
            origin=origin,
            scene=self.scene,
        )

    @property
    def _gone(self) -> bool:
        return self.ended or self.closed

    async def advance(self, current: Snapshot | None = None) -> None:
        """Let the interviewer make its moves until it waits for the candidate. `current`:
        a snapshot the caller has just brought up to date (else it is read)."""
        if self._gone:
            return
        async with self._lock:
            self._known = None
            for _ in range(4):
                if self._gone:  # disconnected or displaced while waiting for the lock
                    return
                snapshot = current or await self._snapshot()
                if snapshot is None:
                    await self._ended_elsewhere()
                    return
                try:
                    move = _decide(snapshot)
                except (InterviewClosed, SceneOver):  # the closing line was said; finish the job
                    await self._settle_reveal()
                    await self._complete()
                    return
                if isinstance(move, Wait):
                    self._known = snapshot
                    self._schedule(move.until_s - snapshot.elapsed)
                    return
                try:
                    spoken = await self._speak(move, snapshot)
                except TurnIndexTaken:  # decided on a transcript that has grown: read again
                    await self.send({"type": "ai_retract", "reason": "superseded"})
                    current = None
                    continue
                if spoken is None:
                    return
                if isinstance(move, Close | SceneClose):  # shown whole, then the end
                    await self._settle_reveal()
                    await self._complete()
                    return
                current = snapshot.extended(spoken)

    async def _speak(self, move: RoomMove, snapshot: Snapshot) -> Turn | None:
        """Word, store and reveal one move; the stored turn, or None when the room is done.
        The turn is stored as soon as its words are complete; its reveal (the words not yet
        shown, then its `turn` frame) goes on by itself. Raises `TurnIndexTaken` when the
        turn's place was filled meanwhile (nothing stored, nothing more shown)."""
        assert self.session_id is not None
        await self._settle_reveal()  # the previous reply is shown whole before this one
        await self.send(ai_status("thinking"))
        started = utcnow()
        assert self.workspace_id is not None
        if not isinstance(move, SceneLine | SceneClose):
            move = await self.deps.coding.live_move(self.workspace_id, self.session_id, move)
        worded = await self._word(move, self._context(move, snapshot))
        if worded is None:
            return None
        text, reveal = worded
        meta: dict[str, Any] = {"move": move.kind.value, "question_id": move.question_id}
        if move.kind == MoveKind.GREET:
            meta["plan"] = snapshot.plan.to_dict()
        if snapshot.scene is not None:
            meta.update(snapshot.scene.turn_meta(move, snapshot.plan))
        # the turn ends when its last word will have been shown, which the silence timers
        # and the candidate's answer latency count from
        row_ended = utcnow() + timedelta(seconds=reveal.seconds_left())
        index = len(snapshot.turns)
        try:
            async with unit_of_work(self.deps.sessionmaker) as db:
                await transcript.append_turn(
                    db,
                    self.session_id,
                    "ai",
                    text,
                    started,
                    row_ended,
                    meta,
                    holder=self.connection_id,
                    expected_index=index,
                )
        except TurnIndexTaken:
            await reveal.stop()
            raise
        except Conflict as refused:
            await reveal.stop()
            await self._refused(refused)
            return None
        except BaseException:  # not stored: none of its words may follow
            await reveal.stop()
            raise
        reveal.finish(turn_message(index, "ai", text))
        self._reveal = reveal
        self._prepare_model_answer(snapshot.plan, move.question_id)
        return Turn(
            index=index,
            speaker="ai",
            text=text,
            started_at_s=(started - snapshot.origin).total_seconds(),
            ended_at_s=(row_ended - snapshot.origin).total_seconds(),
            move=move.kind,
            question_id=move.question_id,
        )

    def _context(self, move: RoomMove, snapshot: Snapshot) -> VoiceContext | SceneContext:
        if snapshot.scene is not None and is_scene_move(move):
            return snapshot.scene.context(snapshot.plan, snapshot.turns, str(self.session_id))
        return VoiceContext(snapshot.plan, snapshot.turns, seed=str(self.session_id))

    async def _settle_reveal(self) -> None:
        """Wait until the last reply has been shown whole (at once when an answer waits)."""
        reveal = self._reveal
        if reveal is None:
            return
        if self._answering > 0:
            reveal.hurry()
        await reveal.settled()  # still `_reveal` meanwhile, so an answer can hurry it
        if self._reveal is reveal:
            self._reveal = None

    async def _word(
        self, move: RoomMove, context: VoiceContext | SceneContext
    ) -> tuple[str, Reveal] | None:
        """The move's words, revealed to the candidate as they come, and their reveal. An
        interviewer that fails is asked again with backoff (the candidate sees a calm "one
        moment" notice, and any words of a broken reply are taken back) until
        `outage_budget_seconds` after the first failure; then the session fails
        (technical_failure) and this is None."""
        first_failure: float | None = None
        attempt = 0
        while True:
            reveal = Reveal(
                self.send, self.deps.reveal_words_per_second, hurried=self._answering > 0
            )
            chunks: list[str] = []
            try:
                async for chunk in self._words_for(move, context):
                    chunks.append(chunk)
                    reveal.add(chunk)
                return "".join(chunks).strip(), reveal
            except ProviderUnavailable as failure:  # also a stream broken off midway
                await reveal.stop()
                if reveal.shown_any:  # the candidate saw words that will never be stored
                    await self.send({"type": "ai_retract", "reason": "retrying"})
                now = time.monotonic()
                first_failure = now if first_failure is None else first_failure
                delay = self.deps.retry_delay(attempt)
                if now - first_failure + delay > self.deps.outage_budget_seconds:
                    log.warning(
                        "interviewer unavailable for %.1f s, session %s fails: %s",
                        now - first_failure,
                        self.session_id,
                        failure,
                    )
                    await self._technical_failure()
                    return None
                log.info("interviewer failed (%s); retrying in %.1f s", failure, delay)
                await self.send(ai_status("waiting", ONE_MOMENT))
                attempt += 1
                await asyncio.sleep(delay)
                if self._gone:
                    return None
            except BaseException:
                await reveal.stop()
                raise

    async def _technical_failure(self) -> None:
        """The interviewer cannot speak: fail the session (the stored turns stay) and tell
        the candidate politely."""
        await self._end_as(
            EndReason.TECHNICAL_FAILURE,
            error(
                "technical_failure",
                "We're sorry: the interviewer ran into a technical problem, so the interview "
                "has ended. Your answers so far are saved, and the team will be in touch.",
            ),
        )

    async def _complete(self) -> None:
        await self._end_as(EndReason.COMPLETED)

    async def _end_as(self, reason: EndReason, notice: dict[str, Any] | None = None) -> None:
        """End the session for `reason` (completed, else failed) in a transaction of its own,
        as this connection; then `notice`, if any, and the `ended` status. A refused write
        (another connection holds the interview, or it is over) is `_refused` instead."""
        assert self.session_id is not None
        assert self.workspace_id is not None
        now = utcnow()
        try:
            async with unit_of_work(self.deps.sessionmaker) as db:
                if reason is EndReason.COMPLETED:
                    await sessions.complete(
                        db, self.workspace_id, self.session_id, self.deps.links, now,
                        holder=self.connection_id,
                    )  # fmt: skip
                else:
                    await sessions.fail(
                        db, self.workspace_id, self.session_id, reason, self.deps.links, now,
                        holder=self.connection_id,
                    )  # fmt: skip
        except Conflict as refused:
            await self._refused(refused)
            return
        if notice is not None:
            await self.send(notice)
        status = Status.COMPLETED if reason is EndReason.COMPLETED else Status.FAILED
        await self._finished(status.value, reason.value)

    async def answer(
        self,
        text: str,
        page_signals: signals.SignalBatch | None = None,
        heard: tuple[Word, ...] = (),
    ) -> None:
        """Judge and store a candidate turn (with the page's signals for it, in the same
        transaction, so they are kept even when this answer ends the interview, and for a
        spoken answer the recogniser's words), then let the interviewer move."""
        assert self.session_id is not None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._typing_until = 0.0
        self._answering += 1
        if self._reveal is not None:  # answered while the reply was still being shown
            self._reveal.hurry()
        try:
            async with self._lock:
                if self._gone:
                    return
                await self._settle_reveal()  # the reply's `turn` frame goes before the answer's
                known, self._known = self._known, None
                snapshot = known.extended(None) if known is not None else await self._snapshot()
                if snapshot is None:
                    await self._ended_elsewhere()
                    return
                stored = await self._store_answer(snapshot, text, page_signals, heard)
        finally:
            self._answering -= 1
        if stored is not None:
            await self.advance(stored)
        self._drop_early()  # worded for a move the interviewer did not make

    async def _store_answer(
        self,
        snapshot: Snapshot,
        text: str,
        page_signals: signals.SignalBatch | None,
        heard: tuple[Word, ...] = (),
    ) -> Snapshot | None:
        """The answer judged and stored at the next place of `snapshot` (read again when that
        place was filled meanwhile); the snapshot with it, or None when the room is done."""
        assert self.session_id is not None
        now = utcnow()
        began = self._began_answering(snapshot, now)
        self._typing_started = None
        for _ in range(2):
            candidate = Turn(
                index=len(snapshot.turns),
                speaker="participant",
                text=text,
                started_at_s=(began - snapshot.origin).total_seconds(),
                ended_at_s=(now - snapshot.origin).total_seconds(),
                unsure_words=unsure_words(heard),
            )
            judgement = await self._judge_while_wording(snapshot, candidate)
            meta: dict[str, Any] = {"judgement": judgement.to_dict()}
            if judgement.kind is AnswerKind.ANSWER:
                scripted = self._scripted_similarity(snapshot, text)
                if scripted is not None:
                    meta["scripted_similarity"] = scripted
            try:
                async with unit_of_work(self.deps.sessionmaker) as db:
                    await transcript.append_turn(
                        db,
                        self.session_id,
                        "participant",
                        text,
                        began,
                        now,
                        meta,
                        holder=self.connection_id,
                        expected_index=candidate.index,
                        words=to_stored(heard),
                    )
                    if page_signals is not None:
                        await signals.record_for_answer(
                            db, self.session_id, page_signals, candidate.index, now
                        )
            except TurnIndexTaken:
                reread = await self._snapshot()
                if reread is None:
                    break
                snapshot = reread
                continue
            except Conflict as refused:
                await self._refused(refused)
                return None
            await self.send(turn_message(candidate.index, "participant", text))
            return snapshot.extended(candidate, judgement)
        await self._ended_elsewhere()
        return None

    async def _judge_while_wording(self, snapshot: Snapshot, candidate: Turn) -> AnswerJudgement:
        """The judge's verdict on `candidate`. While a model judge runs, the move its quick
        fallback's verdict leads to is worded ahead (`early_wording`), so a slow judge delays
        the reply by at most its deadline, not the deadline and the wording."""
        turns = (*snapshot.turns, candidate)
        if snapshot.scene is not None:
            return await self.deps.judge.judge(snapshot.scene.judge_request(snapshot.plan, turns))
        request = judge_request(snapshot.plan, turns)
        verdict = asyncio.ensure_future(self.deps.judge.judge(request))  # first in the gate
        try:
            quick = quick_judge(self.deps.judge)
            if quick is not None:
                self._word_ahead(snapshot, candidate, await quick.judge(request))
            return await verdict
        finally:
            verdict.cancel()  # nothing once it is done; the judge's request when we are cancelled

    def _word_ahead(self, snapshot: Snapshot, candidate: Turn, verdict: AnswerJudgement) -> None:
        turns = (*snapshot.turns, candidate)
        judgements = {**snapshot.judgements, candidate.index: verdict}
        elapsed = (utcnow() - snapshot.origin).total_seconds()
        try:
            move = decide(snapshot.plan, turns, elapsed, judgements)
        except InterviewClosed:
            return
        if isinstance(move, Wait):
            return
        self._drop_early()
        context = VoiceContext(snapshot.plan, turns, seed=str(self.session_id))
        self._early = EarlyWording(self.deps.voice, move, context)

    def _words_for(
        self, move: RoomMove, context: VoiceContext | SceneContext
    ) -> AsyncIterator[str]:
        """The words worded ahead when they are this move's, else the voice's (a role-play
        character's lines: the scene voice's)."""
        if isinstance(move, SceneLine | SceneClose):
            assert isinstance(context, SceneContext)
            return self.deps.scene_voice.word(move, context)
        assert isinstance(context, VoiceContext)
        early, self._early = self._early, None
        if early is not None and early.is_for(move, context):
            return early.words()
        if early is not None:
            early.discard()
        return self.deps.voice.word(move, context)

    def _drop_early(self) -> None:
        if self._early is not None:
            self._early.discard()
            self._early = None

    def _began_answering(self, snapshot: Snapshot, now: datetime) -> datetime:
        """When the candidate started this answer: their first keystroke as the server saw it
        (the page's `typing` frame), never before the interviewer's last turn ended; `now`
        when no typing was seen (a paste, dictation, a script). The answer turn spans this
        to `now`, which gives the server's own latency and typing-speed figures."""
        if self._typing_started is None:
            return now
        ai_ends = [t.ended_at_s for t in snapshot.turns if t.is_ai]
        began = min(now, self._typing_started)
        if ai_ends:
            last_ai_end = now - timedelta(seconds=max(0.0, snapshot.elapsed - ai_ends[-1]))
            began = max(began, last_ai_end)
        return began

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.create_task(self._wake(max(0.0, delay)))

    async def _wake(self, delay: float) -> None:
        await asyncio.sleep(delay)
        hold = self._typing_until - time.monotonic()
        if hold > 0:  # the candidate is typing: the engine would read it as silence
            self._timer = asyncio.create_task(self._wake(hold))
            return
        # Due now: no longer a timer an answer cancels, but still this connection's work,
        # which a disconnect or a takeover cancels (`_stop_tasks`).
        this = asyncio.current_task()
        assert this is not None
        self._timer = None
        self._due.add(this)
        try:
            await self.advance()
        except Exception:
            log.exception("live room timer failed")
        finally:
            self._due.discard(this)
