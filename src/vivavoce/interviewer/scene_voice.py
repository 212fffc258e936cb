"""Wording the character's lines: offline from the scenario, or by an LLM, checked.

The scene engine (`scene.py`) decides every line's beat and target; a voice only words it.
`OfflineSceneVoice` words it from the scenario's own lines (the opening, the objection, the
goal's `ask`, the facts) and the character's mood. `CheckedSceneVoice(inner)` lets an LLM
word it and checks the words first, like `checked_voice.CheckedVoice` does for the
interviewer (`reply_check`'s rules for scoring talk, promises, prompt text, language and
repeats, plus the scene's own: no stepping out of character, no conceding more than the beat
allows); a line refused twice is worded offline. The closing line is always the offline one:
it is said out of character and tells the candidate the scene is over.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from vivavoce.interviewer.checked_voice import first_acceptable
from vivavoce.interviewer.offline_judge import sentences
from vivavoce.interviewer.reply_check import (
    PROMISE,
    PROMPT_TEXT,
    SCORE_TALK,
    _language_problem,
    _normalised,
)
from vivavoce.interviewer.scene import (
    Beat,
    Scenario,
    SceneClose,
    SceneLine,
    SceneMove,
    goal,
    objection,
)
from vivavoce.interviewer.turns import Turn
from vivavoce.interviewer.wording import word_chunks

log = logging.getLogger(__name__)

MAX_LINE_WORDS = 70


@dataclass(frozen=True, slots=True)
class SceneContext:
    scenario: Scenario
    transcript: Sequence[Turn]
    language: str = "en"
    seed: str = ""


class SceneVoice(Protocol):
    def word(self, move: SceneMove, context: SceneContext) -> AsyncIterator[str]: ...


# --- offline ----------------------------------------------------------------------------------

_PUSH_BACK = {
    "calm": "Sorry, I'm not sure that answers it.",
    "impatient": "That doesn't really tell me anything.",
    "upset": "You're not listening to me at all.",
}
_PRESS_OPENERS = {
    "calm": "Okay.",
    "impatient": "Fine, but",
    "upset": "Look,",
}


def offline_line(move: SceneMove, context: SceneContext) -> str:
    """The line for `move`, from the scenario's own words."""
    scenario = context.scenario
    if isinstance(move, SceneClose):
        return closing_line(scenario)
    mood = move.state.mood(scenario)
    after = _what_they_are_after(scenario, move.target)
    beat = move.beat
    if beat is Beat.OPEN:
        return scenario.opening_line or f"Hello. {scenario.wants}"
    if beat is Beat.PUSH_BACK:
        return f"{_PUSH_BACK[mood]} {after}"
    if beat is Beat.OBJECT:
        found = objection(scenario, move.target)
        return found.line if found else after
    if beat is Beat.PRESS:
        return f"{_PRESS_OPENERS[mood]} {_lower_first(after)}"
    if beat is Beat.ACKNOWLEDGE:
        thanks = "Okay, thank you, that helps." if mood != "upset" else "Well, that's something."
        return f"{thanks} {after}" if move.target else thanks
    if beat is Beat.TELL:
        return move.fact or "I've told you everything I know."
    if beat is Beat.REPEAT:
        return move.previous or after
    if beat is Beat.GO_ON:
        return "Go on, I'm listening." if mood != "upset" else "I'm waiting."
    if beat is Beat.NUDGE:
        return "Hello? Are you still there?"
    if beat is Beat.SATISFIED:
        return scenario.satisfied_line or "Alright. Thank you, that sorts it out for me."
    if beat is Beat.GIVE_UP:
        return scenario.gives_up_line or "I've heard enough. I'll take this somewhere else."
    return "I have to go now. Thanks for your time."  # Beat.LEAVE


def closing_line(scenario: Scenario) -> str:
    return (
        f"(End of the role-play.) Thank you — that is the end of the scene with "
        f"{scenario.character_name}. Your replies are saved and will be reviewed by the team. "
        "You can close this window now."
    )


def _what_they_are_after(scenario: Scenario, target: str | None) -> str:
    found = objection(scenario, target)
    if found is not None:
        return found.line
    wanted = goal(scenario, target)
    if wanted is not None and wanted.ask:
        return wanted.ask
    return scenario.wants


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and text[:2] != "I ":
        return text[0].lower() + text[1:]
    return text


class OfflineSceneVoice:
    async def word(self, move: SceneMove, context: SceneContext) -> AsyncIterator[str]:
        for chunk in word_chunks(offline_line(move, context)):
            yield chunk


# --- checked --------------------------------------------------------------------------------

OUT_OF_CHARACTER = re.compile(
    r"\b(?:role-?play|scenario|simulation|as an ai|language model|my instructions|"
    r"the candidate|your (?:performance|answers?) (?:is|are|was|were))\b",
    re.IGNORECASE,
)
CONCEDES = re.compile(
    r"\b(?:(?:that'?s|it'?s) a deal|deal\b|you'?ve convinced me|i(?:'ll| will) (?:take|accept|"
    r"buy|sign)|that (?:sorts|solves|settles) it|i(?:'m| am) (?:satisfied|happy with that)|"
    r"i accept|we have a deal|perfect, thank you)",
    re.IGNORECASE,
)
FAREWELL_BEATS = frozenset({Beat.SATISFIED, Beat.GIVE_UP, Beat.LEAVE})


def line_problems(text: str, move: SceneLine, context: SceneContext) -> list[str]:
    """What is wrong with `text` as the character's `move` (empty: it may be said)."""
    stripped = text.strip()
    if not re.search(r"\w", stripped):
        return ["empty"]
    problems = []
    if len(stripped.split()) > MAX_LINE_WORDS:
        problems.append(f"{len(stripped.split())} words (at most {MAX_LINE_WORDS})")
    if stripped.count("?") > 2:
        problems.append("more than two questions")
    language = _language_problem(stripped, context.language)
    if language:
        problems.append(language)
    if SCORE_TALK.search(stripped) or PROMISE.search(stripped):
        problems.append("talks about scoring or the outcome")
    if PROMPT_TEXT.search(stripped):
        problems.append("role tags, template tokens or prompt text")
    if OUT_OF_CHARACTER.search(stripped):
        problems.append("steps out of character")
    if move.beat is not Beat.SATISFIED and CONCEDES.search(stripped):
        problems.append("concedes more than the scene allows")
    if move.beat is not Beat.REPEAT:
        earlier = {_normalised(s) for t in context.transcript if t.is_ai for s in sentences(t.text)}
        if any(
            len(_normalised(s).split()) >= 5 and _normalised(s) in earlier
            for s in sentences(stripped)
        ):
            problems.append("repeats an earlier line")
    return problems


class CheckedSceneVoice:
    """An LLM's wording of each line, checked; the offline wording when it is refused twice.
    A provider that is down still raises, so the room's retries and failure path apply."""

    def __init__(self, inner: SceneVoice, fallback: SceneVoice | None = None) -> None:
        self.inner = inner
        self.fallback: SceneVoice = fallback or OfflineSceneVoice()
        self.rejected = 0
        self.fell_back = 0

    async def word(self, move: SceneMove, context: SceneContext) -> AsyncIterator[str]:
        text = await self._checked(move, context) if isinstance(move, SceneLine) else None
        if text is None:
            if isinstance(move, SceneLine):
                self.fell_back += 1
            async for chunk in self.fallback.word(move, context):
                yield chunk
            return
        for chunk in word_chunks(text):
            yield chunk

    async def _checked(self, move: SceneLine, context: SceneContext) -> str | None:
        def refused(attempt: int, problems: list[str]) -> None:
            self.rejected += 1
            log.info(
                "character line for %s refused (attempt %d): %s",
                move.beat.value,
                attempt,
                "; ".join(problems),
            )

        return await first_acceptable(
            lambda: self.inner.word(move, context),
            lambda text: line_problems(text, move, context),
            refused,
        )
