"""Wording the interviewer's next move while the answer judge still runs.

A model judge sits in front of the interviewer's reply: judge (up to its deadline), then
decide, then word. So while it runs, the room decides the move that the judge's own fallback
(the offline judge: heuristics, at once) leads to and starts wording it into a buffer. When
the verdict that counts leads to the same move — always when the deadline passed and the
offline judge decided, and whenever the model agrees — the buffered words are used and
streamed on; otherwise they are dropped unseen and the move the verdict leads to is worded.
Nothing is shown before the verdict is in, so the candidate never sees the words of a move
that was not taken.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from vivavoce.interviewer.engine import Move
from vivavoce.interviewer.judge import AnswerJudgement, Judge, JudgeRequest
from vivavoce.interviewer.voice import Voice, VoiceContext


@runtime_checkable
class JudgeWithFallback(Protocol):
    """A judge that asks something slow (a model) and falls back to a quick judge."""

    fallback: Judge

    async def judge(self, request: JudgeRequest) -> AnswerJudgement: ...


def quick_judge(judge: Judge) -> Judge | None:
    """The judge whose verdict the next move can be chosen from at once, while `judge` runs;
    None when `judge` is itself the quick one (nothing to win)."""
    return judge.fallback if isinstance(judge, JudgeWithFallback) else None


class EarlyWording:
    """The words of `move` in `context`, being worded in the background into a buffer."""

    def __init__(self, voice: Voice, move: Move, context: VoiceContext) -> None:
        self.move = move
        self.context = context
        self._chunks: list[str] = []
        self._failure: BaseException | None = None
        self._finished = False
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._collect(voice))

    async def _collect(self, voice: Voice) -> None:
        try:
            async for chunk in voice.word(self.move, self.context):
                self._chunks.append(chunk)
                self._arrived.set()
        except Exception as failure:  # handed to whoever reads the words
            self._failure = failure
        finally:
            self._finished = True
            self._arrived.set()

    def is_for(self, move: Move, context: VoiceContext) -> bool:
        """Whether these are the words the room would now ask the voice for."""
        return (
            move == self.move
            and tuple(context.transcript) == tuple(self.context.transcript)
            and context.plan is self.context.plan
            and context.seed == self.context.seed
        )

    async def words(self) -> AsyncIterator[str]:
        """The chunks worded so far, then the rest as they come; the voice's failure, if it
        failed, is raised here as it would have been by the voice itself."""
        position = 0
        while True:
            while position < len(self._chunks):
                position += 1
                yield self._chunks[position - 1]
            if self._finished:
                if self._failure is not None:
                    raise self._failure
                return
            self._arrived.clear()
            await self._arrived.wait()

    async def cancel(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def discard(self) -> None:
        """Stop wording, without waiting (from code that cannot await)."""
        self._task.cancel()
