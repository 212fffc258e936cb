"""Patient end-of-turn detection: pure, fed 16 kHz PCM, timed by the samples it has seen.

A voice-activity detector marks 20 ms frames as speech or silence: a `SpeechDetector` when
one is given (Silero VAD, `vivavoce.voice.vad`, in production), else the energy detector
here, with an adaptive noise floor (it falls fast and rises slowly, so a steady noisy room
stops counting as speech within a second or two). A turn starts after `min_speech_ms` of
speech (a cough or a click is not a turn) and ends after `silence_ms` of silence (1.5 s by
default: people pause mid-answer far more than between turns of a chat).

Fast and patient at once: after a short pause (`quick_silence_ms`, 600 ms by default) the
detector emits `Paused` with the turn's audio so far; the caller transcribes it
speculatively and hands the words back through `heard`. A finished answer (a complete
sentence that does not trail off) ends the turn at once; words that trail off ("and…",
"um", a comma) stretch this pause to `silence_ms + thinking_ms`; anything else waits for
`silence_ms` as usual. If the candidate speaks again, the pause is over, the guess is stale
(`heard` ignores it) and the turn simply goes on: a thinking pause never cuts an answer in
two. `classify` is the judgement of the words, pure as the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Protocol

from vivavoce.voice.audio import SAMPLE_RATE, SAMPLE_WIDTH, rms

FRAME_MS = 20
FRAME_BYTES = SAMPLE_RATE * SAMPLE_WIDTH * FRAME_MS // 1000


@dataclass(frozen=True)
class EndpointConfig:
    silence_ms: int = 1500  # silence after speech that ends a turn
    quick_silence_ms: int = 600  # a pause this long is transcribed speculatively (0: never)
    thinking_ms: int = 4000  # extra wait when the words so far trail off
    min_speech_ms: int = 200  # shorter bursts of sound are noise, not a turn
    max_turn_ms: int = 120_000  # a turn this long is cut (and the rest is the next turn)
    pre_roll_ms: int = 300  # kept before the detected onset so first syllables survive
    min_level: float = 400.0  # absolute floor of a speech frame's RMS (16-bit scale)
    floor_ratio: float = 3.0  # speech is this many times louder than the noise floor


@dataclass(frozen=True)
class SpeechStarted:
    at_ms: int


@dataclass(frozen=True)
class Paused:
    """A short pause in a turn: the audio so far, to transcribe speculatively. `turn` and
    `speech_ms` identify it (to `heard`, and to reuse its words if the turn ends with
    nothing more said)."""

    pcm: bytes
    turn: int
    speech_ms: int
    at_ms: int


@dataclass(frozen=True)
class TurnEnded:
    pcm: bytes
    speech_ms: int
    at_ms: int
    turn: int = 0
    silence_ms: int = 0  # the silence that ended it (0: cut at the maximum length, or flushed)


Event = SpeechStarted | Paused | TurnEnded


class SpeechDetector(Protocol):
    """A voice-activity model over one stream: it `accept`s the audio as it comes, then says
    whether the 20 ms frame ending at a byte offset of the stream is speech."""

    def accept(self, pcm: bytes) -> None: ...

    def is_speech(self, frame_end_byte: int) -> bool: ...


Verdict = Literal["finished", "unfinished", "unsure"]


@dataclass
class EndOfTurnDetector:
    """Feed it audio as it arrives; it returns the events that audio completed."""

    config: EndpointConfig = field(default_factory=EndpointConfig)
    speech_detector: SpeechDetector | None = None  # None: the energy detector
    noise_floor: float = 150.0
    elapsed_ms: int = 0
    in_turn: bool = False
    turn: int = 0  # the number of the current (or last) turn
    _pending: bytearray = field(default_factory=bytearray)
    _framed: int = 0  # bytes of the stream cut into frames so far
    _turn: bytearray = field(default_factory=bytearray)
    _recent: list[bytes] = field(default_factory=list)  # pre-roll before a turn
    _run_ms: int = 0  # consecutive speech before a turn starts
    _speech_ms: int = 0
    _silence_ms: int = 0
    _limit_ms: int = 0  # the silence that ends the turn in this pause
    _paused: bool = False  # `Paused` already emitted for this pause

    @property
    def speech_ms(self) -> int:
        return self._speech_ms

    def is_speech(self, level: float) -> bool:
        return level >= max(self.config.min_level, self.noise_floor * self.config.floor_ratio)

    def feed(self, pcm: bytes) -> list[Event]:
        if self.speech_detector is not None:
            self.speech_detector.accept(pcm)
        self._pending.extend(pcm)
        events: list[Event] = []
        while len(self._pending) >= FRAME_BYTES:
            frame = bytes(self._pending[:FRAME_BYTES])
            del self._pending[:FRAME_BYTES]
            event = self._frame(frame)
            if event is not None:
                events.append(event)
        return events

    def _frame(self, frame: bytes) -> Event | None:
        self.elapsed_ms += FRAME_MS
        self._framed += len(frame)
        level = rms(frame)
        if self.speech_detector is not None:
            speech = self.speech_detector.is_speech(self._framed)
        else:
            speech = self.is_speech(level)
        # The floor follows the room's noise: down quickly, up slowly (more slowly still
        # inside a turn, so a long answer is not mistaken for noise).
        if level < self.noise_floor:
            self.noise_floor = 0.9 * self.noise_floor + 0.1 * level
        else:
            rise = 1.003 if self.in_turn else 1.03
            self.noise_floor = min(level, self.noise_floor * rise)
        if not self.in_turn:
            self._recent.append(frame)
            keep = max(1, (self.config.pre_roll_ms + self.config.min_speech_ms) // FRAME_MS)
            del self._recent[:-keep]
            self._run_ms = self._run_ms + FRAME_MS if speech else 0
            if self._run_ms < self.config.min_speech_ms:
                return None
            self.in_turn = True
            self._turn = bytearray(b"".join(self._recent))
            self._recent = []
            self._speech_ms = self._run_ms
            self._silence_ms = 0
            self._limit_ms = self.config.silence_ms
            self._paused = False
            self.turn += 1
            return SpeechStarted(at_ms=self.elapsed_ms - self._run_ms)
        self._turn.extend(frame)
        if speech:
            self._speech_ms += FRAME_MS
            self._silence_ms = 0
            self._limit_ms = self.config.silence_ms  # a new pause starts from scratch
            self._paused = False
        else:
            self._silence_ms += FRAME_MS
        turn_ms = len(self._turn) * 1000 // (SAMPLE_RATE * SAMPLE_WIDTH)
        if self._silence_ms >= self._limit_ms or turn_ms >= self.config.max_turn_ms:
            return self._finish()
        quick = self.config.quick_silence_ms
        if not self._paused and 0 < quick < self._limit_ms and self._silence_ms >= quick:
            self._paused = True
            return Paused(
                pcm=bytes(self._turn),
                turn=self.turn,
                speech_ms=self._speech_ms,
                at_ms=self.elapsed_ms,
            )
        return None

    def heard(self, turn: int, speech_ms: int, text: str) -> TurnEnded | None:
        """The words of a `Paused` turn: end the turn now if they are a finished answer,
        wait for the thinking allowance if they trail off. A stale guess (the candidate
        spoke again since, or the turn is over) changes nothing."""
        if not self.in_turn or turn != self.turn or speech_ms != self._speech_ms:
            return None
        if not self._silence_ms:
            return None
        verdict = classify(text)
        if verdict == "finished":
            return self._finish()
        if verdict == "unfinished":
            self._limit_ms = max(self._limit_ms, self.config.silence_ms + self.config.thinking_ms)
        return None

    def _finish(self) -> TurnEnded:
        ended = TurnEnded(
            pcm=bytes(self._turn),
            speech_ms=self._speech_ms,
            at_ms=self.elapsed_ms,
            turn=self.turn,
            silence_ms=self._silence_ms,
        )
        self.in_turn = False
        self._turn = bytearray()
        self._run_ms = self._speech_ms = self._silence_ms = 0
        self._paused = False
        return ended

    def flush(self) -> TurnEnded | None:
        """The turn in progress, if any (the microphone stopped)."""
        return self._finish() if self.in_turn else None


# Words after which an answer is unfinished even with a full stop after them (whisper
# punctuates a trailing-off "and" as "and."), and words that end an unfinished answer only
# without one ("I think so." is an answer, "I think so" may go on).
_STRONG = r"and|but|or|because|um+|uh+|er+|erm|hmm+|mm+|the|a|an|with|of"
_WEAK = r"so|like|then|which|that|if|when|my|our|i|i'm|we|to|for|in|on|at|about|is|was"
_TRAILS_OFF = re.compile(
    rf"(?:\b(?:{_STRONG})\s*[.,!?]?|\b(?:{_WEAK})|[,;\-\u2013\u2014:]|\.\.\.|…)\s*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s*$")


def classify(text: str) -> Verdict:
    """Whether the words heard so far are a finished answer (a complete sentence that does
    not trail off), unfinished (a filler, a conjunction, a dangling article, preposition or
    comma, an ellipsis: the candidate is probably thinking), or neither for sure."""
    stripped = text.strip()
    if not stripped or _TRAILS_OFF.search(stripped):
        return "unfinished"
    if _SENTENCE_END.search(stripped):
        return "finished"
    return "unsure"


def looks_unfinished(text: str) -> bool:
    """Whether the words heard so far trail off mid-thought (see `classify`)."""
    return classify(text) == "unfinished"
