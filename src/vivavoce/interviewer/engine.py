"""The interviewer's policy: which move comes next. Code decides flow; a voice only words it.

`decide(plan, transcript, now_elapsed_seconds, judgements)` is a pure function: no clock (the
time is passed in, in seconds since the interview started), no I/O, no state of its own. The
whole state — which question is on the table, how many follow-ups it had, whether the
interview is wrapping up — is rebuilt from the transcript's AI turns (`replay`), so any
process can pick an interview up where it was left, and the same inputs always give the
same move.

The live room calls `decide` after each participant turn (once that turn is judged) and when
a `Wait` it was given falls due, then has a `Voice` word the move, and stores the words as an
AI turn carrying `move.kind` and `move.question_id`. `Close` ends the interview.

Rules, in order of precedence:

- Time: at `duration_seconds` the interview closes; from `plan.wrap_up_at_s` no new question
  or follow-up starts — the interviewer wraps up (candidate questions, last words). A new
  question starts only if `MIN_QUESTION_SECONDS` remain before the wrap-up; when fewer
  questions fit than remain, it skips ahead to questions covering dimensions not yet asked
  about. A question's time budget (its own `time_limit_seconds`, else an even share of the
  time) bounds its follow-ups, and a question left unanswered past it is let go (never
  sooner than `LET_GO_AFTER_SECONDS` after the latest prompt, unless the recruiter set the limit).
- Follow-ups: only after an answer the judge says needs one (vague, short, contradictory),
  at most `MAX_FOLLOW_UPS[probingDepth]` per question, and only while the question is within
  its time budget. A sound answer still gets one probe when the question came with the
  recruiter's follow-ups or the profile probes deeply (`high`).
- Repeat and clarify requests are honoured (at most `MAX_CLARIFICATIONS` full clarifications
  per question); "let me think" gets a short "take your time" (at most twice), silence gets
  one gentle check-in per prompt, never more — no nagging; "I don't know" moves on kindly; off-topic
  turns and turns addressed to the evaluator are steered back at most `MAX_REDIRECTS` times,
  then the interview moves on.
- A question, once left, is never asked again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Literal

from vivavoce.interviewer.judge import (
    AnswerJudgement,
    AnswerKind,
    FollowUpReason,
    JudgeRequest,
    Phase,
)
from vivavoce.interviewer.listening import (
    AnswerReading,
    AnswerShape,
    Aspect,
    asked_aspects,
    choose_probe,
    covered_aspects,
    hint_for,
    read_answer,
    telling_phrase,
)
from vivavoce.interviewer.plan import InterviewPlan, PlannedQuestion
from vivavoce.interviewer.turns import MoveKind, Turn
from vivavoce.interviewer.wording import (
    contains,
    head_nouns,
    noun_phrases,
    quotable,
    tokens,
    whole_clauses,
    whole_wherever_said,
)

MIN_QUESTION_SECONDS = 120  # a new question needs this long before the wrap-up
FOLLOW_UP_SECONDS = 90  # a follow-up needs this long within the question's budget
SILENCE_CHECK_IN_SECONDS = 90  # one gentle check-in after this much silence
LET_GO_AFTER_SECONDS = 150  # silence after a question or follow-up never cut shorter than this
WRAP_UP_SILENCE_SECONDS = 60  # no reply to the wrap-up: close after this long
MAX_CLARIFICATIONS = 2
MAX_REDIRECTS = 2
MAX_THINKING_ENCOURAGEMENTS = 2


class InterviewClosed(Exception):
    """`decide` was asked for a move after the closing line."""


class MissingJudgement(LookupError):
    """The latest participant turn has not been judged yet: judge it, then decide."""


class LeadIn(StrEnum):
    """How the interviewer bridges from the previous turn to a new question or the wrap-up."""

    FIRST = "first"  # straight after the greeting
    ANSWERED = "answered"  # a sound answer: acknowledge it
    PARTIAL = "partial"  # still thin, but follow-ups or time are used up: neutral thanks
    DONT_KNOW = "dont_know"  # "I don't know": reassure, move on
    NO_ANSWER = "no_answer"  # silence past the question's time: move on gently
    OFF_TOPIC = "off_topic"  # stayed off the question after redirects: move on neutrally


# --- moves ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Greet:
    """Introduce the interviewer (persona), the role, the duration and how it works."""

    kind: ClassVar[MoveKind] = MoveKind.GREET

    @property
    def question_id(self) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class Ask:
    """Ask `question`. `remaining` questions are still expected after it; `skipped` were
    passed over for time just now."""

    question: PlannedQuestion
    lead_in: LeadIn
    remaining: int
    skipped: tuple[str, ...] = ()
    acknowledge: str | None = None  # a whole phrase of the last answer for the transition
    kind: ClassVar[MoveKind] = MoveKind.ASK

    @property
    def question_id(self) -> str | None:
        return self.question.id


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Probe the answer to `question` (the `number`-th follow-up on it). `prompt` is the
    probe the policy chose (the recruiter's own words for a bank follow-up), `purpose` what it
    is for in plain words (what an LLM voice words), `aspect` the part of the answer it asks
    about (`listening.Aspect`); `quote` the candidate's words to refer back to (a whole clause
    or phrase), `earlier_quote` the earlier words a contradiction is with."""

    question: PlannedQuestion
    number: int
    reason: FollowUpReason
    prompt: str | None = None
    quote: str | None = None
    earlier_quote: str | None = None
    purpose: str = ""
    aspect: str | None = None
    kind: ClassVar[MoveKind] = MoveKind.FOLLOW_UP

    @property
    def question_id(self) -> str | None:
        return self.question.id


@dataclass(frozen=True, slots=True)
class Clarify:
    """Answer the candidate's clarifying question `asked` briefly, then hand back. With no
    `question` it is about the format (during the greeting or wrap-up). `limit_reached`: the
    question was clarified enough; invite the candidate's own interpretation."""

    question: PlannedQuestion | None
    asked: str
    seconds_left: int
    limit_reached: bool = False
    kind: ClassVar[MoveKind] = MoveKind.CLARIFY

    @property
    def question_id(self) -> str | None:
        return self.question.id if self.question else None


@dataclass(frozen=True, slots=True)
class Hint:
    """The candidate said they don't know: once per question, kindly, a narrower or easier
    angle on `question` (`prompt`, offline wording; `purpose` for an LLM voice)."""

    question: PlannedQuestion
    prompt: str
    purpose: str
    kind: ClassVar[MoveKind] = MoveKind.HINT

    @property
    def question_id(self) -> str | None:
        return self.question.id


@dataclass(frozen=True, slots=True)
class Repeat:
    """Say the last prompt again (`previous_text`, an AI turn of kind `previous_move`)."""

    question: PlannedQuestion | None
    previous_text: str
    previous_move: MoveKind
    kind: ClassVar[MoveKind] = MoveKind.REPEAT

    @property
    def question_id(self) -> str | None:
        return self.question.id if self.question else None


@dataclass(frozen=True, slots=True)
class Encourage:
    """A short, unhurried "take your time": the candidate asked for a moment (`thinking`) or
    has been silent a while (`silence`, at most once per prompt)."""

    question: PlannedQuestion | None
    reason: Literal["thinking", "silence"]
    kind: ClassVar[MoveKind] = MoveKind.ENCOURAGE

    @property
    def question_id(self) -> str | None:
        return self.question.id if self.question else None


@dataclass(frozen=True, slots=True)
class Wait:
    """Say nothing. Call `decide` again at `until_s` (seconds since the start) or as soon as
    the candidate's next turn arrives, whichever comes first."""

    until_s: float
    kind: ClassVar[MoveKind] = MoveKind.WAIT

    @property
    def question_id(self) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class Redirect:
    """Steer back to `question`: the turn was off topic, or spoke to the evaluator."""

    question: PlannedQuestion
    reason: Literal["off_topic", "addressed_to_scorer"]
    kind: ClassVar[MoveKind] = MoveKind.REDIRECT

    @property
    def question_id(self) -> str | None:
        return self.question.id


@dataclass(frozen=True, slots=True)
class WrapUp:
    """Time is nearly up or every question is asked: invite questions and last words."""

    reason: Literal["all_asked", "time"]
    lead_in: LeadIn
    skipped: tuple[str, ...] = ()
    acknowledge: str | None = None  # a whole phrase of the last answer for the transition
    kind: ClassVar[MoveKind] = MoveKind.WRAP_UP

    @property
    def question_id(self) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class Close:
    """The closing line and next steps; the interview is then completed. `candidate_question`
    is what the candidate asked in the wrap-up, to acknowledge and pass on."""

    reason: Literal["completed", "time_up"]
    candidate_question: str | None = None
    kind: ClassVar[MoveKind] = MoveKind.CLOSE

    @property
    def question_id(self) -> str | None:
        return None


Move = (
    Greet | Ask | FollowUp | Clarify | Hint | Repeat | Encourage | Wait | Redirect | WrapUp | Close
)


def ai_turn(move: Move, *, index: int, text: str, started_at_s: float, ended_at_s: float) -> Turn:
    """The AI turn that records `move` worded as `text`."""
    if isinstance(move, Wait):
        raise ValueError("a Wait is silent: it is not a turn")
    return Turn(
        index=index,
        speaker="ai",
        text=text,
        started_at_s=started_at_s,
        ended_at_s=ended_at_s,
        move=move.kind,
        question_id=move.question_id,
    )


# --- state, rebuilt from the transcript -----------------------------------------------------

StatePhase = Literal["not_started", "greeting", "question", "wrap_up", "closed"]


@dataclass(frozen=True, slots=True)
class InterviewState:
    phase: StatePhase
    current: PlannedQuestion | None = None
    asked: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    follow_ups: int = 0  # on the current question
    clarifications: int = 0  # on the current question
    redirects: int = 0  # on the current question
    hints: int = 0  # "I don't know" hints on the current question
    on_question: tuple[Turn, ...] = ()  # every turn since the current question was asked
    encouragements: int = 0  # "take your time" replies to "let me think", since the prompt
    checked_in: bool = False  # a check-in after silence, since the prompt
    question_started_at_s: float = 0.0
    prompt: Turn | None = None  # the greeting, question, follow-up or wrap-up being answered
    last_ai: Turn | None = None


class PlanMismatch(ValueError):
    """The transcript names a question the plan does not have."""


def replay(plan: InterviewPlan, transcript: Sequence[Turn]) -> InterviewState:
    """The engine's state after `transcript`, from its AI turns' moves."""
    phase: StatePhase = "not_started"
    current: PlannedQuestion | None = None
    asked: list[str] = []
    follow_ups = clarifications = redirects = encouragements = hints = 0
    on_question: list[Turn] = []
    checked_in = False
    started = 0.0
    prompt: Turn | None = None
    last_ai: Turn | None = None
    previous: Turn | None = None
    for turn in transcript:
        before, previous = previous, turn
        on_question.append(turn)
        if not turn.is_ai:
            continue
        last_ai = turn
        move = turn.move
        if move is MoveKind.GREET:
            phase, prompt, encouragements, checked_in = "greeting", turn, 0, False
        elif move is MoveKind.ASK:
            if turn.question_id is None:
                raise PlanMismatch(f"turn {turn.index}: an ask without a question id")
            try:
                current = plan.question(turn.question_id)
            except KeyError:
                raise PlanMismatch(
                    f"turn {turn.index}: unknown question {turn.question_id}"
                ) from None
            phase, prompt, started = "question", turn, turn.started_at_s
            asked.append(current.id)
            follow_ups = clarifications = redirects = encouragements = hints = 0
            checked_in, on_question = False, [turn]
        elif move is MoveKind.FOLLOW_UP:
            follow_ups += 1
            prompt, encouragements, checked_in = turn, 0, False
        elif move is MoveKind.HINT:
            hints += 1
            prompt, encouragements, checked_in = turn, 0, False
        elif move is MoveKind.CLARIFY:
            clarifications += 1
        elif move is MoveKind.REDIRECT:
            redirects += 1
        elif move is MoveKind.ENCOURAGE:
            # Straight after the interviewer's own turn it was a check-in after silence;
            # after the candidate's, a reply to "let me think".
            if before is not None and before.is_ai:
                checked_in = True
            else:
                encouragements += 1
        elif move is MoveKind.WRAP_UP:
            phase, prompt, current, encouragements, checked_in = "wrap_up", turn, None, 0, False
        elif move is MoveKind.CLOSE:
            phase = "closed"
    skipped: list[str] = []
    if asked:
        last_position = max(plan.position(q) for q in asked)
        skipped = [q.id for q in plan.questions[:last_position] if q.id not in asked]
    return InterviewState(
        phase=phase,
        current=current,
        asked=tuple(asked),
        skipped=tuple(skipped),
        follow_ups=follow_ups,
        clarifications=clarifications,
        redirects=redirects,
        hints=hints,
        on_question=tuple(on_question) if phase == "question" else (),
        encouragements=encouragements,
        checked_in=checked_in,
        question_started_at_s=started,
        prompt=prompt,
        last_ai=last_ai,
    )


def judge_request(
    plan: InterviewPlan, transcript: Sequence[Turn], turn_index: int | None = None
) -> JudgeRequest:
    """What a judge needs for the participant turn `turn_index` (default: the latest)."""
    position = next(
        (
            i
            for i in range(len(transcript) - 1, -1, -1)
            if transcript[i].speaker == "participant"
            and (turn_index is None or transcript[i].index == turn_index)
        ),
        None,
    )
    if position is None:
        raise LookupError("no such participant turn")
    before = transcript[:position]
    state = replay(plan, before)
    phase: Phase = "greeting"
    if state.phase in ("question", "wrap_up", "closed"):
        phase = "question" if state.phase == "question" else "wrap_up"
    return JudgeRequest(
        plan=plan,
        phase=phase,
        question=state.current if phase == "question" else None,
        prompt=state.last_ai.text if state.last_ai else "",
        answer=transcript[position],
        earlier_answers=tuple(t for t in before if t.speaker == "participant"),
        prompt_move=state.last_ai.move if state.last_ai else None,
    )


# --- the policy -----------------------------------------------------------------------------


def decide(
    plan: InterviewPlan,
    transcript: Sequence[Turn],
    now_elapsed_seconds: float,
    judgements: Mapping[int, AnswerJudgement],
) -> Move:
    """The next move. `judgements` maps participant turn indexes to their judgements; only the
    latest participant turn's is read, and it must be there when that turn is the last one."""
    state = replay(plan, transcript)
    now = now_elapsed_seconds
    if state.phase == "closed":
        raise InterviewClosed("the interview is over")
    if state.phase == "not_started" or not transcript:
        return Greet()
    last = transcript[-1]
    judgement: AnswerJudgement | None = None
    if last.speaker == "participant":
        judgement = judgements.get(last.index)
        if judgement is None:
            raise MissingJudgement(f"turn {last.index} has not been judged")
    if now >= plan.duration_seconds:
        asked = None
        if state.phase == "wrap_up" and last.speaker == "participant":
            asked = _candidate_question(last, judgement)
        return Close("time_up", asked)
    if judgement is None:
        return _after_silence(plan, state, now)
    return _after_turn(plan, state, transcript, judgement, now)


def _after_turn(
    plan: InterviewPlan,
    state: InterviewState,
    transcript: Sequence[Turn],
    judgement: AnswerJudgement,
    now: float,
) -> Move:
    turn = transcript[-1]
    kind = judgement.kind
    if state.phase == "wrap_up":
        if kind is AnswerKind.REPEAT_REQUEST and state.prompt:
            return Repeat(None, state.prompt.text, MoveKind.WRAP_UP)
        if kind is AnswerKind.THINKING and state.encouragements < MAX_THINKING_ENCOURAGEMENTS:
            return Encourage(None, "thinking")
        return Close("completed", _candidate_question(turn, judgement))

    if state.phase == "greeting":
        if kind is AnswerKind.REPEAT_REQUEST and state.prompt:
            return Repeat(None, state.prompt.text, MoveKind.GREET)
        if kind is AnswerKind.CLARIFYING_QUESTION:
            limit = state.clarifications >= MAX_CLARIFICATIONS
            return Clarify(None, turn.text, _seconds_left(plan, now), limit)
        if kind is AnswerKind.THINKING and state.encouragements < MAX_THINKING_ENCOURAGEMENTS:
            return Encourage(None, "thinking")
        return _next_question(plan, state, now, LeadIn.FIRST)

    question = state.current
    if question is None or state.prompt is None:  # a question phase always has both
        return _next_question(plan, state, now, LeadIn.FIRST)
    lead_in = _lead_in(judgement)
    if now >= plan.wrap_up_at_s:
        return _wrap_up(state, "time", lead_in, (), _acknowledgement(lead_in, transcript))
    spent = now - state.question_started_at_s
    over_limit = question.time_limit_seconds is not None and spent >= question.time_limit_seconds
    if kind is AnswerKind.REPEAT_REQUEST and not over_limit:
        return Repeat(question, state.prompt.text, state.prompt.move or MoveKind.ASK)
    if kind is AnswerKind.CLARIFYING_QUESTION and not over_limit:
        limit = state.clarifications >= MAX_CLARIFICATIONS
        return Clarify(question, turn.text, _seconds_left(plan, now), limit)
    if kind is AnswerKind.THINKING and not over_limit:
        if state.encouragements < MAX_THINKING_ENCOURAGEMENTS:
            return Encourage(question, "thinking")
        return Wait(_next_deadline(plan, state, now))
    if kind in (AnswerKind.OFF_TOPIC, AnswerKind.ADDRESSED_TO_SCORER):
        if state.redirects < MAX_REDIRECTS and not over_limit:
            reason: Literal["off_topic", "addressed_to_scorer"] = (
                "off_topic" if kind is AnswerKind.OFF_TOPIC else "addressed_to_scorer"
            )
            return Redirect(question, reason)
        return _next_question(plan, state, now, LeadIn.OFF_TOPIC)
    hint_fits = state.hints == 0 and not over_limit and _probe_fits(plan, state, question, now)
    if kind is AnswerKind.DONT_KNOW and hint_fits:
        prompt, purpose = hint_for(question, [t.text for t in transcript if t.is_ai])
        return Hint(question, prompt, purpose)
    if kind is AnswerKind.ANSWER:
        follow_up = _follow_up(plan, state, transcript, judgement, now)
        if follow_up is not None:
            return follow_up
    return _next_question(plan, state, now, lead_in, transcript)


def _lead_in(judgement: AnswerJudgement) -> LeadIn:
    if judgement.kind is AnswerKind.DONT_KNOW:
        return LeadIn.DONT_KNOW
    if judgement.kind in (AnswerKind.OFF_TOPIC, AnswerKind.ADDRESSED_TO_SCORER):
        return LeadIn.OFF_TOPIC
    if judgement.kind is AnswerKind.ANSWER and not judgement.needs_follow_up:
        return LeadIn.ANSWERED
    return LeadIn.PARTIAL


def _probe_fits(
    plan: InterviewPlan, state: InterviewState, question: PlannedQuestion, now: float
) -> bool:
    """A follow-up or hint still fits the question's time budget and the time to the wrap-up."""
    spent = now - state.question_started_at_s
    if spent + FOLLOW_UP_SECONDS > plan.question_budget_s(question):
        return False
    return now + FOLLOW_UP_SECONDS <= plan.wrap_up_at_s


def _follow_up(
    plan: InterviewPlan,
    state: InterviewState,
    transcript: Sequence[Turn],
    judgement: AnswerJudgement,
    now: float,
) -> FollowUp | None:
    """The probe for the latest answer, or None to move on (rules in `listening`)."""
    question, turn = state.current, transcript[-1]
    if question is None or state.follow_ups >= plan.max_follow_ups:
        return None
    if not _probe_fits(plan, state, question, now):
        return None
    earlier_ai = [t.text for t in transcript if t.is_ai]
    number = state.follow_ups + 1
    clash = _contradiction(question, number, turn, judgement, earlier_ai)
    if clash is not None:
        return clash
    reading = read_answer(question, turn.text, turn.unsure_words, plan.skills)
    before = [t.text for t in state.on_question[:-1] if not t.is_ai]
    covered_before = frozenset().union(*(covered_aspects(text) for text in before))
    if not (judgement.needs_follow_up or _probes_a_sound_answer(plan, state, question, reading)):
        return None
    reason = judgement.reason if judgement.needs_follow_up else FollowUpReason.NONE
    covered = reading.covered | covered_before
    recruiter = _recruiters_probe(question, state.follow_ups, covered, earlier_ai)
    if recruiter is not None:
        purpose = f"ask the organisation's follow-up question, as written: {recruiter}"
        return FollowUp(question, number, reason, recruiter, reading.quote, purpose=purpose)
    asked = asked_aspects(
        [t.text for t in state.on_question if t.is_ai and t.move is MoveKind.FOLLOW_UP]
    )
    vague = reason in (FollowUpReason.VAGUE, FollowUpReason.SHORT)
    probe = choose_probe(
        reading, asked, earlier_ai, deepen=True, covered_before=covered_before, vague=vague
    )
    if probe is None:
        return None
    others = [t.text for t in transcript[:-1] if not t.is_ai]
    quote = next(
        (q for q in (reading.quote, reading.phrase) if q and whole_wherever_said(q, others)), None
    )
    return FollowUp(
        question,
        number,
        reason,
        probe.prompt,
        quote,
        purpose=probe.purpose,
        aspect=probe.aspect.value,
    )


def _probes_a_sound_answer(
    plan: InterviewPlan, state: InterviewState, question: PlannedQuestion, reading: AnswerReading
) -> bool:
    """A sound answer still gets one probe on its question: always when the profile probes
    deeply or the recruiter wrote follow-ups; at medium depth, when it is complete (one level
    deeper); never at low depth."""
    if state.follow_ups > 0:
        return False
    if plan.probing_depth == "high" or (question.kind == "bank" and question.follow_ups):
        return True
    return plan.probing_depth == "medium" and reading.shape is AnswerShape.STRONG


def _contradiction(
    question: PlannedQuestion,
    number: int,
    turn: Turn,
    judgement: AnswerJudgement,
    earlier_ai: Sequence[str],
) -> FollowUp | None:
    """Both quotes of a contradiction, unless one holds a word the recogniser was unsure of
    or the interviewer has already put this contradiction to the candidate."""
    now_said, said_before = judgement.quote, judgement.earlier_quote
    if judgement.reason is not FollowUpReason.CONTRADICTION or not now_said or not said_before:
        return None
    unsure = {w.lower() for w in turn.unsure_words}
    if any(word.lower() in unsure for word in tokens(now_said)):
        return None
    if any(said_before.rstrip(".!?") in text for text in earlier_ai):
        return None
    purpose = "ask them to reconcile what they said earlier with what they just said"
    return FollowUp(
        question,
        number,
        FollowUpReason.CONTRADICTION,
        quote=now_said,
        earlier_quote=said_before,
        purpose=purpose,
    )


def _recruiters_probe(
    question: PlannedQuestion,
    follow_ups: int,
    covered: frozenset[Aspect],
    earlier_ai: Sequence[str],
) -> str | None:
    """The recruiter's next follow-up (bank questions), word for word: the first one not asked
    yet and not about something the answer already covered."""
    if question.kind != "bank":
        return None
    for probe in question.follow_ups[follow_ups:]:
        if any(contains(text, probe) for text in earlier_ai):
            continue
        about = asked_aspects([probe])
        if about and about <= covered:
            continue
        return probe
    return None


def _acknowledgement(lead_in: LeadIn, transcript: Sequence[Turn]) -> str | None:
    """After an answer, a whole noun phrase of it for the transition — preferably two words or
    more, and one no earlier AI turn has said — so moving on shows what was heard."""
    answer = next((t for t in reversed(transcript) if not t.is_ai), None)
    if answer is None or lead_in not in (LeadIn.ANSWERED, LeadIn.PARTIAL):
        return None
    said = " ".join(t.text for t in transcript if t.is_ai).lower()
    others = [t.text for t in transcript if not t.is_ai and t is not answer]

    def new_and_whole(quote: str) -> bool:  # whole in the candidate's other answers too
        return quote.lower() not in said and whole_wherever_said(quote, others)

    phrases = noun_phrases(quotable(answer.text), answer.unsure_words)
    fresh = [p for p in phrases if new_and_whole(p)]
    if fresh:
        return telling_phrase(fresh)
    # Every noun phrase of it was said before (or none is whole): a whole first-person
    # clause of it, so moving on still names what was heard ("you phone them the next day").
    clauses = whole_clauses(quotable(answer.text), answer.unsure_words)
    clause = next((c for c in clauses if new_and_whole(c)), None)
    if clause is not None:
        return clause
    nouns = head_nouns(quotable(answer.text), answer.unsure_words)
    return next((n for n in nouns if n.lower() not in said), None)


def _next_question(
    plan: InterviewPlan,
    state: InterviewState,
    now: float,
    lead_in: LeadIn,
    transcript: Sequence[Turn] = (),
) -> Ask | WrapUp:
    """The next question in order — or, when time is short, the next one covering a dimension
    not asked about yet — or the wrap-up when none fits. After an answer, the transition names
    a phrase of it (`acknowledge`)."""
    heard = _acknowledgement(lead_in, transcript)
    if state.asked:
        position = max(plan.position(q) for q in state.asked)
        remaining = list(plan.questions[position + 1 :])
    else:
        remaining = list(plan.questions)
    if not remaining:
        return _wrap_up(state, "all_asked", lead_in, (), heard)
    time_left = plan.wrap_up_at_s - now
    fits = int(time_left // MIN_QUESTION_SECONDS)
    if fits <= 0:
        return _wrap_up(state, "time", lead_in, tuple(q.id for q in remaining), heard)
    pick = remaining[0]
    if fits < len(remaining):
        covered = {d for q in state.asked for d in plan.question(q).dimension_ids}
        pick = next((q for q in remaining if set(q.dimension_ids) - covered), pick)
    skipped = tuple(q.id for q in remaining[: remaining.index(pick)])
    after = len(remaining) - remaining.index(pick) - 1
    if lead_in is LeadIn.FIRST and state.asked:
        lead_in = LeadIn.ANSWERED
    return Ask(pick, lead_in, min(fits - 1, after), skipped, heard)


def _wrap_up(
    state: InterviewState,
    reason: Literal["all_asked", "time"],
    lead_in: LeadIn,
    skipping: tuple[str, ...],
    acknowledge: str | None = None,
) -> WrapUp:
    return WrapUp(reason, lead_in, skipped=state.skipped + skipping, acknowledge=acknowledge)


def _after_silence(plan: InterviewPlan, state: InterviewState, now: float) -> Move:
    """The last turn is the interviewer's and the candidate has said nothing since."""
    last = state.last_ai
    assert last is not None  # started, so there is at least the greeting
    # Deadlines are compared exactly as `Wait.until_s` computes them, so a room that calls
    # back at `until_s` always gets a decision, never the same Wait again.
    if state.phase == "wrap_up":
        give_up_at = last.ended_at_s + WRAP_UP_SILENCE_SECONDS
        if now >= give_up_at:
            return Close("completed")
        return Wait(min(give_up_at, plan.duration_seconds))
    if now >= plan.wrap_up_at_s:
        return _wrap_up(state, "time", LeadIn.NO_ANSWER, ())
    question = state.current
    if (
        state.phase == "question"
        and question is not None
        and now >= _question_deadline(plan, state, question)
    ):
        return _next_question(plan, state, now, LeadIn.NO_ANSWER)
    if not state.checked_in and now >= last.ended_at_s + SILENCE_CHECK_IN_SECONDS:
        return Encourage(question, "silence")
    return Wait(_next_deadline(plan, state, now))


def _question_deadline(
    plan: InterviewPlan, state: InterviewState, question: PlannedQuestion
) -> float:
    """When a question left unanswered is let go: at its own time limit when it has one (the
    recruiter's word is final), else at the end of its share of the time — but never sooner
    than `LET_GO_AFTER_SECONDS` after the latest question or follow-up."""
    if question.time_limit_seconds is not None:
        return state.question_started_at_s + question.time_limit_seconds
    share_ends = state.question_started_at_s + plan.question_budget_s(question)
    prompted = state.prompt.ended_at_s if state.prompt else state.question_started_at_s
    return max(share_ends, prompted + LET_GO_AFTER_SECONDS)


def _next_deadline(plan: InterviewPlan, state: InterviewState, now: float) -> float:
    deadlines = [plan.wrap_up_at_s, float(plan.duration_seconds)]
    question = state.current
    if state.phase == "question" and question is not None:
        deadlines.append(_question_deadline(plan, state, question))
    if not state.checked_in and state.last_ai is not None:
        deadlines.append(state.last_ai.ended_at_s + SILENCE_CHECK_IN_SECONDS)
    upcoming = [d for d in deadlines if d > now]
    return min(upcoming) if upcoming else float(plan.duration_seconds)


def _seconds_left(plan: InterviewPlan, now: float) -> int:
    return max(0, int(plan.duration_seconds - now))


def _candidate_question(turn: Turn, judgement: AnswerJudgement | None) -> str | None:
    if judgement is None or judgement.kind is AnswerKind.ADDRESSED_TO_SCORER:
        return None
    if judgement.kind is AnswerKind.CLARIFYING_QUESTION or "?" in turn.text:
        return turn.text
    return None
