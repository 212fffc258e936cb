"""Patient end-of-turn detection: pure, fed 16 kHz PCM, timed by the samples it has seen.

An energy voice-activity detector with an adaptive noise floor (it falls fast and rises
slowly, so a steady noisy room stops counting as speech within a second or two) marks
20 ms frames as speech or silence. A turn starts after `min_speech_ms` of speech (a cough or
a click is not a turn) and ends after `silence_ms` of silence (1.5 s by default: people
pause mid-answer far more than between turns of a chat). `looks_unfinished` lets the caller
wait `thinking_ms` longer when the words so far trail off ("and…", "um", "so"), merging what
follows into the same answer, so a candidate thinking aloud is not cut off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vivavoce.voice.audio import SAMPLE_RATE, SAMPLE_WIDTH, rms

FRAME_MS = 20
FRAME_BYTES = SAMPLE_RATE * SAMPLE_WIDTH * FRAME_MS // 1000


@dataclass(frozen=True)
class EndpointConfig:
    silence_ms: int = 1500  # silence after speech that ends a turn
    min_speech_ms: int = 200  # shorter bursts of sound are noise, not a turn
    max_turn_ms: int = 120_000  # a turn this long is cut (and the rest is the next turn)
    pre_roll_ms: int = 300  # kept before the detected onset so first syllables survive
    min_level: float = 400.0  # absolute floor of a speech frame's RMS (16-bit scale)
    floor_ratio: float = 3.0  # speech is this many times louder than the noise floor


@dataclass(frozen=True)
class SpeechStarted:
    at_ms: int


@dataclass(frozen=True)
class TurnEnded:
    pcm: bytes
    speech_ms: int
    at_ms: int


Event = SpeechStarted | TurnEnded


@dataclass
class EndOfTurnDetector:
    """Feed it audio as it arrives; it returns the events that audio completed."""

    config: EndpointConfig = field(default_factory=EndpointConfig)
    noise_floor: float = 150.0
    elapsed_ms: int = 0
    in_turn: bool = False
    _pending: bytearray = field(default_factory=bytearray)
    _turn: bytearray = field(default_factory=bytearray)
    _recent: list[bytes] = field(default_factory=list)  # pre-roll before a turn
    _run_ms: int = 0  # consecutive speech before a turn starts
    _speech_ms: int = 0
    _silence_ms: int = 0

    def is_speech(self, level: float) -> bool:
        return level >= max(self.config.min_level, self.noise_floor * self.config.floor_ratio)

    def feed(self, pcm: bytes) -> list[Event]:
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
        level = rms(frame)
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
            return SpeechStarted(at_ms=self.elapsed_ms - self._run_ms)
        self._turn.extend(frame)
        if speech:
            self._speech_ms += FRAME_MS
            self._silence_ms = 0
        else:
            self._silence_ms += FRAME_MS
        turn_ms = len(self._turn) * 1000 // (SAMPLE_RATE * SAMPLE_WIDTH)
        if self._silence_ms >= self.config.silence_ms or turn_ms >= self.config.max_turn_ms:
            return self._finish()
        return None

    def _finish(self) -> TurnEnded:
        ended = TurnEnded(pcm=bytes(self._turn), speech_ms=self._speech_ms, at_ms=self.elapsed_ms)
        self.in_turn = False
        self._turn = bytearray()
        self._run_ms = self._speech_ms = self._silence_ms = 0
        return ended

    def flush(self) -> TurnEnded | None:
        """The turn in progress, if any (the microphone stopped)."""
        return self._finish() if self.in_turn else None


_TRAILING = re.compile(
    r"(?:\b(?:and|but|or|so|because|um+|uh+|er+|erm|hmm+|like|then|the|a|an|to|of|with|"
    r"which|that|if|when|my|our|i|i'm|we)\s*[.,]?|[,\-\u2013\u2014:]|\.\.\.|…)\s*$",
    re.IGNORECASE,
)


def looks_unfinished(text: str) -> bool:
    """Whether the words heard so far trail off mid-thought (a filler, a conjunction, a
    dangling article or comma), so the candidate is probably still thinking."""
    stripped = text.strip()
    return not stripped or bool(_TRAILING.search(stripped))
