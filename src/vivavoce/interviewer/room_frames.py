"""The live room's frames: reading what a candidate's socket sends, and the messages the room
sends back. No database and no interview state here: `read_frame` turns one raw frame into a
`Frame` the room acts on, or a `Refusal` (an error frame, and whether the socket closes).

A frame is refused, never half-used: an answer whose text cannot be stored (a lone surrogate,
a NUL character) or whose attached signals break their rules gets an error frame and changes
nothing, and the socket stays open for the next one.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from vivavoce.kit.ratelimit import TokenBucket
from vivavoce.sessions.signals import SignalBatch

MAX_MESSAGE_BYTES = 20_000
MAX_ANSWER_CHARACTERS = 10_000
RATE_PER_SECOND = 10.0
RATE_BURST = 30.0

CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_TAKEN_OVER = 4000
CLOSE_ENDED = 1000

KINDS = frozenset({"consent", "resume", "answer", "typing", "end"})

# what the candidate sees while the interviewer is retried during an outage
ONE_MOMENT = "One moment, please: the interviewer is reconnecting."


@dataclass(frozen=True)
class Frame:
    """A well-formed frame: its type, and for an answer its text (stripped) and the page's
    signals that belong to it (stored with the answer, in its transaction)."""

    kind: str
    text: str = ""
    signals: SignalBatch | None = None


@dataclass(frozen=True)
class Refusal:
    message: dict[str, Any]
    close_code: int | None = None  # close the socket with this code after the error


def error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


def turn_message(index: int, speaker: str, text: str) -> dict[str, Any]:
    return {"type": "turn", "index": index, "speaker": speaker, "text": text}


def ai_status(state: str, message: str | None = None) -> dict[str, Any]:
    """`thinking`: the interviewer is working on its reply (the page shows it typing);
    `waiting`: the interviewer is being retried after a failure (a calm notice)."""
    frame: dict[str, Any] = {"type": "ai_status", "state": state}
    if message is not None:
        frame["message"] = message
    return frame


class RateBucket:
    """A token bucket per connection: `RATE_PER_SECOND`, bursts of `RATE_BURST`."""

    def __init__(self) -> None:
        self._bucket = TokenBucket(RATE_BURST, RATE_PER_SECOND, time.monotonic())

    def allow(self) -> bool:
        return self._bucket.take(1, time.monotonic())


def read_frame(raw: str | bytes) -> Frame | Refusal:
    """Validate one raw frame (the size and rate are the caller's to check first)."""
    try:
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return Refusal(error("invalid_json", "messages are JSON objects"))
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return Refusal(error("invalid_message", 'messages are objects with a "type"'))
    kind = message["type"]
    if kind not in KINDS:
        return Refusal(error("unknown_type", "unknown message type"))
    if kind != "answer":
        return Frame(kind)
    return _read_answer(message)


def _read_answer(message: dict[str, Any]) -> Frame | Refusal:
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        return Refusal(error("empty_answer", "an answer needs some text"))
    if len(text) > MAX_ANSWER_CHARACTERS:
        return Refusal(error("answer_too_long", "an answer is at most 10,000 characters"))
    if not storable(text):
        return Refusal(
            error("invalid_text", "an answer must be valid Unicode text without NUL characters")
        )
    raw_signals = message.get("signals")
    if raw_signals is None or raw_signals == []:
        return Frame("answer", text.strip())
    try:
        batch = SignalBatch.model_validate({"events": raw_signals})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        return Refusal(error("invalid_signals", f"signals: {where}: {first['msg']}"))
    if not all(storable(v) for e in batch.events for v in e.data.values() if isinstance(v, str)):
        return Refusal(error("invalid_signals", "signals: text must be valid Unicode"))
    return Frame("answer", text.strip(), batch)


def storable(text: str) -> bool:
    """Whether PostgreSQL can store `text`: encodable as UTF-8 (no lone surrogates, which
    JSON's \\ud800 escapes can carry) and free of NUL characters."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
