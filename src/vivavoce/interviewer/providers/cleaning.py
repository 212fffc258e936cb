"""A model's reply made fit for a candidate, as it streams.

Small local models served without their chat template applied (or with the wrong one) leak
it: `<<SYS>>` blocks with the system prompt, `[INST]`, `<|im_start|>assistant`, Gemma's
`<start_of_turn>model`, a reasoning model's `<think>…</think>`, our own data markers, and
sometimes a whole invented next turn ("Candidate: …"). `ReplyCleaner` removes the tags and
markers, stops at the first sign of a turn that is not the interviewer's, and raises
`UnusableReply` for what cannot be cleaned: prompt text, a reply over its length, an empty
one. It holds back a few characters that may be the start of a tag, so nothing it later
removes has already been shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vivavoce.interviewer.providers.failures import UnusableReply

# the model has started a turn that is not ours: keep only what came before
_END_OF_TURN = re.compile(
    r"<\|(?:im_end|eot_id|end|endoftext|eom_id)\|>|<end_of_turn>|</s>|\[INST\]"
    r"|<\|im_start\|>\s*(?:user|system)|<\|start_header_id\|>\s*(?:user|system)"
    r"|<start_of_turn>\s*user|<\|(?:user|system)\|>"
    r"|\n\s*(?:candidate|user|human|participant)\s*:",
    re.IGNORECASE,
)
# removed with everything inside: prompt text, hidden reasoning
_BLOCKS = (
    (re.compile(r"<<SYS>>"), re.compile(r"<</SYS>>")),
    (re.compile(r"<think>", re.IGNORECASE), re.compile(r"</think>", re.IGNORECASE)),
)
_TOKENS = re.compile(
    r"<\|im_start\|>\s*assistant\s*|<start_of_turn>\s*model\s*"
    r"|<\|start_header_id\|>\s*assistant\s*<\|end_header_id\|>\s*"
    r"|<\|[a-z_]{1,30}\|>|<start_of_turn>|\[/INST\]|</?s>|<</?SYS>>"
    r"|<<<[A-Z_]+|[A-Z_]+>>>|\[[A-Z][A-Z_]{2,40}\]",
)
_ROLE_PREFIX = re.compile(r"^\s*(?:interviewer|assistant|model|ai interviewer)\s*:\s*", re.I)
HOLD_BACK = 40  # characters after an unclosed `<` or `[` kept back until it closes
PREFIX_HOLD = 16  # a reply this short may still turn out to begin with "Interviewer:"


def clean(raw: str, *, final: bool, opening: bool = True) -> tuple[str, bool]:
    """`raw` without tags and markers, and whether the model's turn has ended. Not `final`:
    what may be the start of a tag (or, in the `opening` words, a role prefix) is kept back."""
    ended = _END_OF_TURN.search(raw)
    if ended:
        raw = raw[: ended.start()]
    for opener, closer in _BLOCKS:
        raw = _without_blocks(raw, opener, closer)
    text = _ROLE_PREFIX.sub("", _TOKENS.sub("", raw), count=1).lstrip()
    if final or ended:
        return text, ended is not None
    return _held_back(text, opening), False


def _without_blocks(raw: str, opener: re.Pattern[str], closer: re.Pattern[str]) -> str:
    while (start := opener.search(raw)) is not None:
        end = closer.search(raw, start.end())
        if end is None:  # unclosed: nothing after the opener may be shown
            return raw[: start.start()]
        raw = raw[: start.start()] + raw[end.end() :]
    return raw


def _held_back(text: str, opening: bool) -> str:
    if opening and len(text) < PREFIX_HOLD:
        return ""
    cut = len(text)
    bracket = max(text.rfind("<"), text.rfind("["))
    if bracket >= 0 and len(text) - bracket <= HOLD_BACK and not _closed(text[bracket:]):
        cut = bracket
    newline = text.rfind("\n")
    if newline >= 0 and len(text) - newline <= PREFIX_HOLD:
        cut = min(cut, newline)
    upper_tail = re.search(r"[A-Z_]{2,}>{0,2}$", text)  # may grow into a data marker
    if upper_tail:
        cut = min(cut, upper_tail.start())
    return text[:cut]


def _closed(tail: str) -> bool:
    return (">" in tail) if tail.startswith("<") else ("]" in tail)


def echo_markers(system_prompt: str, *, words: int = 6) -> tuple[str, ...]:
    """Phrases of the system prompt that an interviewer's reply never contains: the opening
    words of each rule line, and the task's heading."""
    markers = ["your task for this turn", "rules:"]
    for line in system_prompt.splitlines():
        body = line.strip().removeprefix("- ")
        if line.strip().startswith("- ") and len(body.split()) >= words:
            markers.append(_normal(" ".join(body.split()[:words])))
    return tuple(markers)


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


class ReplyCleaner:
    """Feed it the streamed chunks; it returns the text that may be shown so far."""

    def __init__(self, echoes: Sequence[str], max_characters: int) -> None:
        self.echoes = tuple(echoes)
        self.max_characters = max_characters
        self.raw = ""
        self.shown = ""
        self.ended = False

    def feed(self, chunk: str) -> str:
        """The new text to show after `chunk` (often ""); `ended` turns true once the model
        began a turn that is not the interviewer's (stop reading)."""
        self.raw += chunk
        text, self.ended = clean(self.raw, final=False, opening=not self.shown)
        return self._advance(text)

    def finish(self) -> str:
        """The rest of the reply once the stream is complete; raises `UnusableReply` when
        nothing usable is left."""
        text, _ = clean(self.raw, final=True)
        rest = self._advance(text)
        if not self.shown.strip():
            raise UnusableReply("empty", "nothing left after cleaning" if self.raw else "no text")
        return rest

    def _advance(self, text: str) -> str:
        if len(text) > self.max_characters:
            raise UnusableReply("over_length", f"over {self.max_characters} characters")
        normal = _normal(text)
        echoed = next((marker for marker in self.echoes if marker in normal), None)
        if echoed is not None:
            raise UnusableReply("prompt_text", f"it repeats the instructions ({echoed!r})")
        if not text.startswith(self.shown):
            raise UnusableReply("prompt_text", "text already shown turned out to be markup")
        new = text[len(self.shown) :]
        self.shown = text
        return new
