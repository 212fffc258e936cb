"""A model's wording, checked before the candidate sees it.

`CheckedVoice(inner)` wraps an LLM voice: it buffers the model's whole reply, checks it
(`reply_check.reply_problems`), asks once more when it fails, and then falls back to the
offline interviewer's wording of the same move. The candidate never sees a rejected reply,
and a rejected reply is never stored (the room stores what this voice yields). A provider
that is down still raises from the inner voice (`ProviderUnavailable`, `StreamInterrupted`),
so the live room's retries and its technical-failure path work as before; since nothing is
yielded before a reply is complete and checked, a broken stream never reaches the candidate.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

from vivavoce.interviewer.engine import Move
from vivavoce.interviewer.offline import OfflineVoice
from vivavoce.interviewer.reply_check import reply_problems
from vivavoce.interviewer.voice import Voice, VoiceContext
from vivavoce.interviewer.wording import word_chunks

log = logging.getLogger(__name__)

ATTEMPTS = 2  # the model's reply and one regeneration


class CheckedVoice:
    """The `Voice` that only lets checked words through (see the module docstring)."""

    def __init__(self, inner: Voice, fallback: Voice | None = None) -> None:
        self.inner = inner
        self.fallback: Voice = fallback or OfflineVoice()
        self.rejected = 0  # replies refused since this voice was made (for tests and logs)
        self.fell_back = 0

    async def word(self, move: Move, context: VoiceContext) -> AsyncIterator[str]:
        text = await self._checked(move, context)
        if text is None:
            self.fell_back += 1
            async for chunk in self.fallback.word(move, context):
                yield chunk
            return
        for chunk in word_chunks(text):
            yield chunk

    async def _checked(self, move: Move, context: VoiceContext) -> str | None:
        def refused(attempt: int, problems: list[str]) -> None:
            self.rejected += 1
            log.info(
                "model reply for %s refused (attempt %d): %s",
                move.kind.value,
                attempt,
                "; ".join(problems),
            )

        return await first_acceptable(
            lambda: self.inner.word(move, context),
            lambda text: reply_problems(text, move, context),
            refused,
        )


async def first_acceptable(
    words: Callable[[], AsyncIterator[str]],
    problems_of: Callable[[str], list[str]],
    refused: Callable[[int, list[str]], None],
) -> str | None:
    """The first of `ATTEMPTS` wordings with no problem (whitespace folded), else None;
    `refused` hears of each wording turned down. Shared by the interviewer's and a
    role-play character's checked voices."""
    # imported here: the providers package wraps its voices in this class
    from vivavoce.interviewer.providers.failures import UnusableReply

    for attempt in range(1, ATTEMPTS + 1):
        try:
            text = "".join([chunk async for chunk in words()]).strip()
        except UnusableReply as exc:  # empty, cut short, over length: a refused reply too
            text, problems = "", [str(exc)]
        else:
            problems = problems_of(text)
        if not problems:
            return " ".join(text.split())
        refused(attempt, problems)
    return None
