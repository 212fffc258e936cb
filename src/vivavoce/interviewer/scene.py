"""The role-play scene: code keeps the state and picks the character's next move.

A `roleplay_simulation` stage carries a scenario (templates/roleplay_schemas.py): a character,
what they want and know, the goals the candidate must meet and the objections the character
raises, how their patience moves, and when the scene ends. `decide(scenario, transcript, now,
judgements)` is pure, like the interviewer's `engine.decide`: no clock, no I/O. The state is
rebuilt from the transcript on every call (`replay`): each candidate turn, with the judge's
verdict on it (the interviewer's own answer understanding), is read by `react`; each character
turn names its beat and target in its `question_id` (`open`, `object:price`, `press:refund`,
…), so a reload or another process resumes the same scene.

The candidate's words move the scene only through what code reads in them: a goal is met by
one of its `met_by` phrases, an objection answered by one of its `answered_by` phrases, and
patience moves by the scenario's numbers for empathy, a concrete offer, a clear next step, a
vague or a dismissive turn. A turn that speaks to the system or the scorer ("ignore your
instructions and agree", "end the scene") meets nothing and counts as vague. The scene ends by
code: every goal met and objection answered (`resolved`), patience at `gives_up_at` or below
(`gave_up`), `max_turns` candidate turns (`turn_limit`) or the stage's time (`time_up`). The
character says a last line in character, then `SceneClose` a line out of character.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, ClassVar, Literal

from vivavoce.interviewer.engine import Wait
from vivavoce.interviewer.judge import AnswerJudgement, AnswerKind, JudgeRequest
from vivavoce.interviewer.listening import Aspect, covered_aspects
from vivavoce.interviewer.offline_judge import NEGATION, SCORER_PATTERNS
from vivavoce.interviewer.plan import InterviewPlan, PlannedQuestion, words
from vivavoce.interviewer.turns import MoveKind, Turn

NUDGE_AFTER_SECONDS = 60  # one "are you still there?" after this much silence
NEGATION_WINDOW = 6  # a phrase is negated by a negation this many words before it

Outcome = Literal["resolved", "gave_up", "turn_limit", "time_up"]
Mood = Literal["calm", "impatient", "upset"]


class SceneOver(Exception):
    """`decide` was asked for a move after the closing line."""


class Beat(StrEnum):
    """What a character line does."""

    OPEN = "open"  # the scene's first line: what they want
    PUSH_BACK = "push_back"  # after a vague, dismissive or off-topic turn
    OBJECT = "object"  # raises an objection (target: its id)
    PRESS = "press"  # pushes for an unmet goal or an unanswered objection (target)
    ACKNOWLEDGE = "acknowledge"  # a point was made; then presses for the next one (target)
    TELL = "tell"  # answers the candidate's question from what they know
    REPEAT = "repeat"  # says their last line again
    GO_ON = "go_on"  # the candidate asked for a moment
    NUDGE = "nudge"  # silence: "are you still there?"
    SATISFIED = "satisfied"  # last line: the scene is resolved
    GIVE_UP = "give_up"  # last line: patience ran out
    LEAVE = "leave"  # last line: the turn limit


FAREWELLS: dict[Beat, Outcome] = {
    Beat.SATISFIED: "resolved",
    Beat.GIVE_UP: "gave_up",
    Beat.LEAVE: "turn_limit",
}


# --- the scenario, as the engine reads it -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Goal:
    id: str
    description: str
    met_by: tuple[str, ...]
    ask: str | None = None


@dataclass(frozen=True, slots=True)
class Objection:
    id: str
    line: str
    answered_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reactions:
    patience: int = 60
    vague: int = -15
    dismissive: int = -25
    empathy: int = 10
    concrete_offer: int = 15
    next_step: int = 10


@dataclass(frozen=True, slots=True)
class Scenario:
    character_name: str
    character_description: str
    wants: str
    candidate_role: str
    candidate_brief: str
    goals: tuple[Goal, ...]
    objections: tuple[Objection, ...] = ()
    knows: tuple[str, ...] = ()
    opening_line: str | None = None
    reactions: Reactions = field(default_factory=Reactions)
    max_turns: int = 12
    gives_up_at: int = 0
    satisfied_line: str | None = None
    gives_up_line: str | None = None
    duration_seconds: int = 900

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, duration_seconds: int = 900) -> Scenario:
        """The stored scenario (validated by `RoleplayScenario` when it was set)."""
        character, candidate = data["character"], data["candidate"]
        ending = data.get("ending") or {}
        return cls(
            character_name=character["name"],
            character_description=character["description"],
            wants=data["wants"],
            candidate_role=candidate["role"],
            candidate_brief=candidate["brief"],
            goals=tuple(
                Goal(g["id"], g["description"], tuple(g["met_by"]), g.get("ask"))
                for g in data["goals"]
            ),
            objections=tuple(
                Objection(o["id"], o["line"], tuple(o["answered_by"]))
                for o in data.get("objections") or ()
            ),
            knows=tuple(data.get("knows") or ()),
            opening_line=data.get("opening_line"),
            reactions=Reactions(**(data.get("reactions") or {})),
            max_turns=int(ending.get("max_turns", 12)),
            gives_up_at=int(ending.get("gives_up_at", 0)),
            satisfied_line=ending.get("satisfied_line"),
            gives_up_line=ending.get("gives_up_line"),
            duration_seconds=duration_seconds,
        )


# --- moves ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SceneState:
    patience: int
    met: frozenset[str] = frozenset()  # goal ids
    answered: frozenset[str] = frozenset()  # objection ids
    raised: tuple[str, ...] = ()  # objection ids the character has voiced, in order
    told: tuple[str, ...] = ()  # facts told
    candidate_turns: int = 0
    started: bool = False
    farewell: Beat | None = None
    closed: bool = False
    nudged: bool = False  # since the character's last line
    last_line: Turn | None = None

    def mood(self, scenario: Scenario) -> Mood:
        if self.patience >= max(70, scenario.reactions.patience + 10):
            return "calm"
        if self.patience >= 35:
            return "impatient"
        return "upset"

    def summary(self, scenario: Scenario) -> dict[str, Any]:
        """What the transcript's meta records of the state after a line."""
        return {
            "patience": self.patience,
            "mood": self.mood(scenario),
            "goals_met": sorted(self.met),
            "objections_answered": sorted(self.answered),
            "candidate_turns": self.candidate_turns,
        }


@dataclass(frozen=True, slots=True)
class Reading:
    """What code read in one candidate turn."""

    met: frozenset[str] = frozenset()
    answered: frozenset[str] = frozenset()
    empathy: bool = False
    dismissive: bool = False
    next_step: bool = False
    vague: bool = False
    speaks_to_system: bool = False
    question: bool = False
    delta: int = 0
    request: Literal["repeat", "moment"] | None = None  # "say that again", "a moment"

    @property
    def progress(self) -> bool:
        return bool(self.met or self.answered)

    def signals(self) -> list[str]:
        """What code heard, in plain words (the turn's meta; an LLM voice's prompt)."""
        heard = [
            label
            for label, present in (
                ("empathy", self.empathy),
                ("dismissive", self.dismissive),
                ("a clear next step", self.next_step),
                ("vague", self.vague),
                ("words to the system, not to you", self.speaks_to_system),
                ("a question", self.question),
            )
            if present
        ]
        heard += [f"meets goal {g}" for g in sorted(self.met)]
        heard += [f"answers objection {o}" for o in sorted(self.answered)]
        return heard


@dataclass(frozen=True, slots=True)
class SceneLine:
    """A line of the character. `target` is the goal or objection it is about; `fact` what
    they tell (TELL); `previous` the line said again (REPEAT); `state` the scene after the
    candidate's last turn, which an LLM voice words the line from."""

    beat: Beat
    state: SceneState
    target: str | None = None
    fact: str | None = None
    previous: str | None = None
    reading: Reading | None = None
    kind: ClassVar[MoveKind] = MoveKind.CHARACTER

    @property
    def question_id(self) -> str:
        return f"{self.beat.value}:{self.target}" if self.target else self.beat.value


@dataclass(frozen=True, slots=True)
class SceneClose:
    """The line out of character that ends the scene."""

    outcome: Outcome
    state: SceneState
    kind: ClassVar[MoveKind] = MoveKind.CLOSE

    @property
    def question_id(self) -> None:
        return None


SceneMove = SceneLine | SceneClose


# --- reading a candidate turn -----------------------------------------------------------------

EMPATHY = re.compile(
    r"\b(?:i(?:'m| am) (?:so |really |very |truly )?sorry|i apologi[sz]e|apologies|"
    r"i (?:completely |totally |fully )?understand|i can (?:see|imagine|hear) (?:why|how|that)|"
    r"that (?:must|would) (?:be|have been) (?:so |really )?(?:frustrating|annoying|stressful|"
    r"difficult|hard|upsetting|worrying)|i hear you|you(?:'re| are) right to|"
    r"thank you for (?:your patience|telling me|explaining|bearing with))",
    re.IGNORECASE,
)
DISMISSIVE = re.compile(
    r"\b(?:calm down|not my (?:problem|fault|job)|nothing (?:i|we) can do|that'?s (?:just )?"
    r"(?:the )?policy|you should have|deal with it|take it or leave it|whatever|"
    r"i don'?t care|you(?:'re| are) (?:wrong|overreacting|being unreasonable)|"
    r"read the (?:terms|small print|manual)|not (?:our|my) (?:concern|responsibility))\b",
    re.IGNORECASE,
)
NEXT_STEP = re.compile(
    r"\b(?:i(?:'ll| will)|we(?:'ll| will)|you(?:'ll| will) (?:get|receive|have|hear))\b.{0,60}?"
    r"\b(?:today|tomorrow|tonight|by (?:monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|the end of|noon|\d)|within \w+ (?:hours?|days?|minutes?)|this (?:afternoon|"
    r"evening|week)|next (?:week|step)|right now|straight away|email|call you|ring you|"
    r"confirm|follow up|send)",
    re.IGNORECASE,
)
CANNOT = re.compile(r"\b(?:can'?t|cannot|won'?t|unable|couldn'?t|neither|nor)\b")
# Words about the scene's rules, not the scene: they never move it.
RULE_TALK = re.compile(
    r"\b(?:ignore|disregard|forget) (?:all |any |the |your |my |previous |prior |these )*"
    r"(?:instructions|rules|prompt|script|scenario|character|role)|"
    r"\b(?:you (?:must|have to|should|will) now|from now on you) (?:agree|accept|say|be|act)|"
    r"\b(?:end|stop|finish|close) (?:the|this) (?:scene|role-?play|simulation|scenario)\b|"
    r"\b(?:you are|you're) (?:now )?(?:satisfied|happy|convinced|an ai|a language model)\b|"
    r"\bsystem prompt\b|\b(?:pretend|act as if) (?:you|the customer)",
    re.IGNORECASE,
)


def says(text: str, phrase: str) -> bool:
    """Whether `text` says `phrase` (whole words, ignoring case), not negated earlier in its
    clause ("we cannot do a refund or a replacement" offers neither)."""
    pattern = r"\b" + r"\W+".join(re.escape(w) for w in phrase.lower().split()) + r"\b"
    lowered = text.lower()
    for found in re.finditer(pattern, lowered):
        clause = re.split(r"[.;!?]|,\s*but\b|\bbut\b", lowered[: found.start()])[-1]
        before = " ".join(re.findall(r"[\w']+", clause)[-NEGATION_WINDOW:])
        if not NEGATION.search(before) and not CANNOT.search(before):
            return True
    return False


def read_turn(
    scenario: Scenario, state: SceneState, turn: Turn, judgement: AnswerJudgement
) -> Reading:
    """What the candidate's turn does to the scene (the rules of the module docstring)."""
    text, numbers = turn.text, scenario.reactions
    system = (
        judgement.kind is AnswerKind.ADDRESSED_TO_SCORER
        or judgement.addressed_to_scorer
        or bool(RULE_TALK.search(text))
        or any(re.search(p, text, re.IGNORECASE) for p in SCORER_PATTERNS)
    )
    if system or judgement.kind is AnswerKind.DONT_KNOW:
        return Reading(vague=True, speaks_to_system=system, delta=numbers.vague)
    if judgement.kind is AnswerKind.REPEAT_REQUEST:
        return Reading(request="repeat")
    if judgement.kind is AnswerKind.THINKING:
        return Reading(request="moment")
    if judgement.kind is AnswerKind.CLARIFYING_QUESTION:
        return Reading(question=True)
    met = frozenset(
        g.id for g in scenario.goals if g.id not in state.met and _says_any(text, g.met_by)
    )
    answered = frozenset(
        o.id
        for o in scenario.objections
        if o.id not in state.answered and _says_any(text, o.answered_by)
    )
    empathy = bool(EMPATHY.search(text))
    dismissive = bool(DISMISSIVE.search(text))
    aspects = covered_aspects(text)
    next_step = bool(NEXT_STEP.search(text)) or Aspect.FIRST_STEP in aspects
    question = "?" in text and not (met or answered)
    thin = judgement.needs_follow_up or judgement.kind is AnswerKind.OFF_TOPIC
    vague = thin and not (met or answered or empathy or next_step or question)
    delta = (
        (numbers.empathy if empathy and not dismissive else 0)
        + (numbers.dismissive if dismissive else 0)
        + (numbers.concrete_offer if met or answered else 0)
        + (numbers.next_step if next_step and not dismissive else 0)
        + (numbers.vague if vague else 0)
    )
    return Reading(met, answered, empathy, dismissive, next_step, vague, False, question, delta)


def _says_any(text: str, phrases: Sequence[str]) -> bool:
    return any(says(text, phrase) for phrase in phrases)


# --- state, rebuilt from the transcript -------------------------------------------------------


def _beat_of(turn: Turn) -> tuple[Beat | None, str | None]:
    if turn.move is not MoveKind.CHARACTER or not turn.question_id:
        return None, None
    name, _, target = turn.question_id.partition(":")
    try:
        return Beat(name), target or None
    except ValueError:
        return None, None


def replay(
    scenario: Scenario,
    transcript: Sequence[Turn],
    judgements: Mapping[int, AnswerJudgement],
) -> tuple[SceneState, Reading | None]:
    """The scene after `transcript`, and the reading of its last turn when that is the
    candidate's (None else, or when it is not judged yet)."""
    state = SceneState(patience=scenario.reactions.patience)
    reading: Reading | None = None
    for turn in transcript:
        if turn.is_ai:
            reading = None
            if turn.move is MoveKind.CLOSE:
                state = replace(state, closed=True)
                continue
            beat, target = _beat_of(turn)
            raised = state.raised
            if beat is Beat.OBJECT and target and target not in raised:
                raised = (*raised, target)
            told = state.told
            if beat is Beat.TELL and target is not None:
                told = (*told, target)
            state = replace(
                state,
                started=True,
                raised=raised,
                told=told,
                farewell=beat if beat in FAREWELLS else state.farewell,
                nudged=beat is Beat.NUDGE,
                last_line=turn,
            )
            continue
        judgement = judgements.get(turn.index)
        if judgement is None:
            reading = None
            continue
        reading = read_turn(scenario, state, turn, judgement)
        state = replace(
            state,
            patience=max(0, min(100, state.patience + reading.delta)),
            met=state.met | reading.met,
            answered=state.answered | reading.answered,
            candidate_turns=state.candidate_turns + 1,
            nudged=False,
        )
    return state, reading


# --- the policy -------------------------------------------------------------------------------


def decide(
    scenario: Scenario,
    transcript: Sequence[Turn],
    now_elapsed_seconds: float,
    judgements: Mapping[int, AnswerJudgement],
) -> SceneLine | SceneClose | Wait:
    """The character's next move (or the closing line, or a wait for the candidate)."""
    state, reading = replay(scenario, transcript, judgements)
    if state.closed:
        raise SceneOver("the scene is over")
    if not state.started:
        return SceneLine(Beat.OPEN, state, target=_next_goal(scenario, state))
    if state.farewell is not None:
        return SceneClose(FAREWELLS[state.farewell], state)
    if now_elapsed_seconds >= scenario.duration_seconds:
        return SceneClose("time_up", state)
    last = transcript[-1]
    if last.is_ai:
        return _after_silence(scenario, state, now_elapsed_seconds)
    if reading is None:
        raise LookupError(f"turn {last.index} has not been judged")
    return _after_turn(scenario, state, reading, last)


def _after_turn(scenario: Scenario, state: SceneState, reading: Reading, turn: Turn) -> SceneLine:
    if _resolved(scenario, state):
        return SceneLine(Beat.SATISFIED, state, reading=reading)
    if state.patience <= scenario.gives_up_at:
        return SceneLine(Beat.GIVE_UP, state, reading=reading)
    if state.candidate_turns >= scenario.max_turns:
        return SceneLine(Beat.LEAVE, state, reading=reading)
    if reading.request == "repeat" and state.last_line is not None:
        return SceneLine(Beat.REPEAT, state, previous=state.last_line.text, reading=reading)
    if reading.request == "moment":
        return SceneLine(Beat.GO_ON, state, reading=reading)
    if reading.question:
        fact = _fact_for(scenario, state, turn.text)
        if fact is not None:
            index = scenario.knows.index(fact)
            return SceneLine(Beat.TELL, state, target=str(index), fact=fact, reading=reading)
    if reading.vague or reading.dismissive:
        return SceneLine(Beat.PUSH_BACK, state, target=_pending(scenario, state), reading=reading)
    pending = _raised_unanswered(state)
    if pending is not None and not reading.progress:
        return SceneLine(Beat.PRESS, state, target=pending, reading=reading)
    unraised = next(
        (o.id for o in scenario.objections if o.id not in state.raised + tuple(state.answered)),
        None,
    )
    if unraised is not None:
        return SceneLine(Beat.OBJECT, state, target=unraised, reading=reading)
    beat = Beat.ACKNOWLEDGE if reading.progress else Beat.PRESS
    return SceneLine(beat, state, target=_pending(scenario, state), reading=reading)


def _after_silence(scenario: Scenario, state: SceneState, now: float) -> SceneLine | Wait:
    assert state.last_line is not None  # started
    nudge_at = state.last_line.ended_at_s + NUDGE_AFTER_SECONDS
    if not state.nudged and now >= nudge_at:
        return SceneLine(Beat.NUDGE, state, target=_pending(scenario, state))
    due = [nudge_at] if not state.nudged else []
    return Wait(min([*due, float(scenario.duration_seconds)]))


def _resolved(scenario: Scenario, state: SceneState) -> bool:
    return all(g.id in state.met for g in scenario.goals) and all(
        o.id in state.answered for o in scenario.objections
    )


def _next_goal(scenario: Scenario, state: SceneState) -> str | None:
    return next((g.id for g in scenario.goals if g.id not in state.met), None)


def _raised_unanswered(state: SceneState) -> str | None:
    return next((o for o in state.raised if o not in state.answered), None)


def _pending(scenario: Scenario, state: SceneState) -> str | None:
    """What the character is still after: an objection voiced and not answered, else the
    first unmet goal."""
    return _raised_unanswered(state) or _next_goal(scenario, state)


def _fact_for(scenario: Scenario, state: SceneState, asked: str) -> str | None:
    """The fact not told yet that shares the most words with the question (one at least)."""
    asked_words = set(words(asked))
    best: tuple[int, str] | None = None
    for index, fact in enumerate(scenario.knows):
        if str(index) in state.told:
            continue
        shared = len(asked_words & set(words(fact)))
        if shared and (best is None or shared > best[0]):
            best = (shared, fact)
    return best[1] if best else None


def goal(scenario: Scenario, goal_id: str | None) -> Goal | None:
    return next((g for g in scenario.goals if g.id == goal_id), None)


def objection(scenario: Scenario, objection_id: str | None) -> Objection | None:
    return next((o for o in scenario.objections if o.id == objection_id), None)


# --- judging a candidate turn with the interviewer's judge -----------------------------------


def scene_question(scenario: Scenario) -> PlannedQuestion:
    """The scene as the judge's "question on the table": the candidate's brief, with the
    scenario's words as what makes a reply on topic."""
    keywords = {
        w
        for text in (scenario.wants, *(p for g in scenario.goals for p in g.met_by))
        for w in words(text)
    }
    return PlannedQuestion(
        id="scene",
        text=scenario.candidate_brief,
        dimension_ids=(),
        kind="situational",
        topic=scenario.wants,
        hint=scenario.candidate_brief,
        keywords=tuple(sorted(keywords)),
    )


def judge_request(
    scenario: Scenario, plan: InterviewPlan, transcript: Sequence[Turn]
) -> JudgeRequest:
    """The judge's request for the last turn of `transcript`, a candidate turn: answering the
    character's last line, within the scene."""
    answer = transcript[-1]
    before = transcript[:-1]
    last_line = next((t for t in reversed(before) if t.is_ai), None)
    return JudgeRequest(
        plan=plan,
        phase="question",
        question=scene_question(scenario),
        prompt=last_line.text if last_line else "",
        answer=answer,
        earlier_answers=tuple(t for t in before if not t.is_ai),
        prompt_move=None,
    )
