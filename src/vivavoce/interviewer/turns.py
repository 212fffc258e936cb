"""Transcript turns as the interviewer engine sees them.

A `Turn` is what the live room persists the moment it happens (SPEC §4). AI turns also carry
the engine's metadata — which move they spoke and which question was on the table — because
the engine rebuilds its whole state from the transcript on every call: that is what makes a
reconnecting candidate resume in the same place, even on another server process.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Speaker = Literal["ai", "participant"]


class MoveKind(StrEnum):
    """What an AI turn did. `wait` never becomes a turn (the interviewer stays silent)."""

    GREET = "greet"
    ASK = "ask"
    FOLLOW_UP = "follow_up"
    CLARIFY = "clarify"
    REPEAT = "repeat"
    ENCOURAGE = "encourage"
    WAIT = "wait"
    REDIRECT = "redirect"
    HINT = "hint"  # "I don't know": once per question, a narrower angle said kindly
    WRAP_UP = "wrap_up"
    CLOSE = "close"
    CHARACTER = "character"  # role-play: a line of the character (interviewer/scene.py)


@dataclass(frozen=True, slots=True)
class Turn:
    """One turn of the conversation.

    `index` is the turn's position (0 first), `started_at_s` / `ended_at_s` are seconds since
    the interview started (the greeting's start is 0). For AI turns, `move` and `question_id`
    are required for the engine to follow the flow; participant turns leave them `None`.
    `unsure_words` (participant turns in voice) are the lower-cased words the speech
    recogniser was unsure of: the interviewer never quotes a phrase containing one.
    """

    index: int
    speaker: Speaker
    text: str
    started_at_s: float
    ended_at_s: float
    move: MoveKind | None = None
    question_id: str | None = None
    unsure_words: tuple[str, ...] = ()

    @property
    def is_ai(self) -> bool:
        return self.speaker == "ai"
