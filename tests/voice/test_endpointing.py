"""End-of-turn detection, pure: synthetic audio in, turns out, timed by samples."""

from __future__ import annotations

import math
import random
from array import array

import pytest

from vivavoce.voice.audio import SAMPLE_RATE
from vivavoce.voice.endpointing import (
    EndOfTurnDetector,
    EndpointConfig,
    SpeechStarted,
    TurnEnded,
    looks_unfinished,
)


def tone(ms: int, amplitude: int = 6000) -> bytes:
    """A voiced-like signal (a 220 Hz tone with harmonics)."""
    count = SAMPLE_RATE * ms // 1000
    values = array(
        "h",
        (
            int(
                amplitude
                * (
                    0.7 * math.sin(2 * math.pi * 220 * i / SAMPLE_RATE)
                    + 0.3 * math.sin(2 * math.pi * 660 * i / SAMPLE_RATE)
                )
            )
            for i in range(count)
        ),
    )
    return values.tobytes()


def hush(ms: int, noise: int = 60) -> bytes:
    """Room noise: quiet random samples."""
    rng = random.Random(ms)
    count = SAMPLE_RATE * ms // 1000
    return array("h", (rng.randint(-noise, noise) for _ in range(count))).tobytes()


def run(detector: EndOfTurnDetector, *parts: bytes) -> list[object]:
    events: list[object] = []
    for part in parts:
        for start in range(0, len(part), 3200):  # the browser's 100 ms frames
            events.extend(detector.feed(part[start : start + 3200]))
    return events


def test_a_turn_ends_after_the_silence_threshold() -> None:
    detector = EndOfTurnDetector(EndpointConfig(silence_ms=1000))
    events = run(detector, hush(500), tone(1200), hush(900))
    assert [type(e) for e in events] == [SpeechStarted]
    events = run(detector, hush(200))
    assert len(events) == 1 and isinstance(events[0], TurnEnded)
    ended = events[0]
    assert 1100 <= ended.speech_ms <= 1300
    # the turn holds the speech, with a little pre-roll and the closing silence
    assert 2.2 <= len(ended.pcm) / (2 * SAMPLE_RATE) <= 2.6


def test_a_thinking_pause_shorter_than_the_threshold_does_not_end_the_turn() -> None:
    detector = EndOfTurnDetector(EndpointConfig(silence_ms=1500))
    events = run(detector, tone(800), hush(1400), tone(800), hush(1600))
    turns = [e for e in events if isinstance(e, TurnEnded)]
    assert len(turns) == 1
    assert 1500 <= turns[0].speech_ms <= 1700


@pytest.mark.parametrize("silence_ms", [800, 2500])
def test_the_silence_threshold_is_configurable(silence_ms: int) -> None:
    detector = EndOfTurnDetector(EndpointConfig(silence_ms=silence_ms))
    assert not [
        e for e in run(detector, tone(600), hush(silence_ms - 100)) if isinstance(e, TurnEnded)
    ]
    assert [e for e in run(detector, hush(200)) if isinstance(e, TurnEnded)]


def test_clicks_and_noise_are_not_turns() -> None:
    detector = EndOfTurnDetector(EndpointConfig(silence_ms=500))
    events = run(detector, hush(1000), tone(100), hush(1000), tone(60), hush(3000, noise=200))
    assert events == []


def test_a_louder_room_raises_the_noise_floor() -> None:
    detector = EndOfTurnDetector(EndpointConfig(silence_ms=500, min_level=100))
    run(detector, hush(3000, noise=900))  # the first moments of a new noise may pass as speech
    assert detector.noise_floor > 300
    assert run(detector, hush(2000, noise=900)) == []
    events = run(detector, tone(600, amplitude=12000), hush(700, noise=900))
    assert [type(e) for e in events] == [SpeechStarted, TurnEnded]


def test_a_monologue_is_cut_at_the_maximum_turn_length() -> None:
    detector = EndOfTurnDetector(EndpointConfig(silence_ms=1000, max_turn_ms=3000))
    events = run(detector, tone(4000))
    # the cut turn, and the rest of the speech starting the next one
    assert [type(e) for e in events] == [SpeechStarted, TurnEnded, SpeechStarted]


def test_flush_returns_the_turn_in_progress() -> None:
    detector = EndOfTurnDetector()
    run(detector, tone(700))
    flushed = detector.flush()
    assert flushed is not None and flushed.speech_ms >= 500
    assert detector.flush() is None


@pytest.mark.parametrize(
    "text",
    [
        "I would start with the",
        "We used Postgres and",
        "So, um",
        "Well, I think...",
        "Hmm,",
        "The main reason was, uh",
        "",
    ],
)
def test_words_that_trail_off_look_unfinished(text: str) -> None:
    assert looks_unfinished(text)


@pytest.mark.parametrize(
    "text",
    [
        "I used Python.",
        "Yes, I'm ready to start.",
        "It took three weeks",
        "We cut latency by sixty percent.",
    ],
)
def test_complete_sentences_do_not(text: str) -> None:
    assert not looks_unfinished(text)
