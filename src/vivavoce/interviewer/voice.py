"""Wording a move: the protocol every interviewer voice implements.

A voice turns a `Move` the engine decided into words, streamed in chunks so the live room can
show (or speak) the first words before the whole reply exists. The offline voice
(`vivavoce.interviewer.offline.OfflineVoice`) yields words; an LLM voice will yield the
model's tokens. A voice never decides flow: whatever it says, the move stays what it was.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from vivavoce.interviewer.engine import Move
from vivavoce.interviewer.plan import InterviewPlan
from vivavoce.interviewer.turns import Turn


@dataclass(frozen=True, slots=True)
class VoiceContext:
    """What a voice may draw on: the plan (persona, tone, questions), the transcript so far
    (to refer back to the candidate's words and to vary its phrasing), and a `seed` — use the
    session id — that makes wording choices stable for one interview and varied across them."""

    plan: InterviewPlan
    transcript: Sequence[Turn]
    seed: str = ""


class Voice(Protocol):
    """Words one move. Declared as a plain method returning an async iterator so an
    `async def ... yield` generator satisfies it; the chunks, joined, are the turn's text."""

    def word(self, move: Move, context: VoiceContext) -> AsyncIterator[str]: ...
