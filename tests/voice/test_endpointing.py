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
    Paused,
    SpeechStarted,
    TurnEnded,
    classify,
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
    detector = EndOfTurnDetector(EndpointConfig(silence_ms=1000, quick_silence_ms=0))
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


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("I used Python.", "finished"),
        ("I think so.", "finished"),
        ("Really?", "finished"),
        ("We used Postgres and.", "unfinished"),  # whisper's full stop after a trailing "and"
        ("I think so", "unfinished"),
        ("Um.", "unfinished"),
        ("It took three weeks", "unsure"),
    ],
)
def test_words_are_judged_finished_unfinished_or_unsure(text: str, verdict: str) -> None:
    assert classify(text) == verdict


QUICK = EndpointConfig(silence_ms=1500, quick_silence_ms=600, thinking_ms=4000)


def paused(events: list[object]) -> Paused:
    found = [e for e in events if isinstance(e, Paused)]
    assert len(found) == 1, events
    return found[0]


def test_a_short_pause_is_offered_for_a_guess_and_a_finished_answer_ends_the_turn() -> None:
    detector = EndOfTurnDetector(QUICK)
    events = run(detector, tone(1000), hush(500))
    assert [type(e) for e in events] == [SpeechStarted]
    guess = paused(run(detector, hush(100)))
    assert guess.turn == 1 and 900 <= guess.speech_ms <= 1100
    assert 1.5 <= len(guess.pcm) / (2 * SAMPLE_RATE) <= 2.0  # the speech so far, and the pause
    ended = detector.heard(guess.turn, guess.speech_ms, "I used Python.")
    assert isinstance(ended, TurnEnded) and ended.speech_ms == guess.speech_ms
    assert not detector.in_turn
    assert ended.silence_ms == 600  # 0.6 s after the speech, not 1.5 s


def test_words_that_are_neither_wait_for_the_usual_silence() -> None:
    detector = EndOfTurnDetector(QUICK)
    guess = paused(run(detector, tone(1000), hush(600)))
    assert detector.heard(guess.turn, guess.speech_ms, "It took three weeks") is None
    assert not [e for e in run(detector, hush(800)) if isinstance(e, TurnEnded)]
    ended = [e for e in run(detector, hush(200)) if isinstance(e, TurnEnded)]
    assert len(ended) == 1 and ended[0].silence_ms == 1500


def test_unfinished_words_wait_the_thinking_allowance_then_end() -> None:
    detector = EndOfTurnDetector(QUICK)
    guess = paused(run(detector, tone(1000), hush(600)))
    assert detector.heard(guess.turn, guess.speech_ms, "We used Postgres and") is None
    assert not [e for e in run(detector, hush(4800)) if isinstance(e, TurnEnded)]
    ended = [e for e in run(detector, hush(200)) if isinstance(e, TurnEnded)]
    assert len(ended) == 1 and ended[0].silence_ms == 5500


def test_speaking_again_after_a_thinking_pause_continues_the_same_answer() -> None:
    detector = EndOfTurnDetector(QUICK)
    first = paused(run(detector, tone(1000), hush(600)))
    assert detector.heard(first.turn, first.speech_ms, "I would start with the") is None
    # three seconds of thinking: far past the usual 1.5 s, and not cut off
    events = run(detector, hush(3000), tone(1200))
    assert events == [] and detector.in_turn
    # the guess about the first part arrives late: stale, it must not end the turn
    assert detector.heard(first.turn, first.speech_ms, "I would start with the.") is None
    assert detector.in_turn
    second = paused(run(detector, hush(600)))
    assert second.turn == first.turn and second.speech_ms > first.speech_ms
    assert len(second.pcm) > len(first.pcm) + 2 * SAMPLE_RATE * 2  # both parts, one turn
    ended = detector.heard(second.turn, second.speech_ms, "I would start with the schema.")
    assert isinstance(ended, TurnEnded) and ended.speech_ms == second.speech_ms


def test_a_guess_arriving_after_speech_resumed_is_ignored() -> None:
    detector = EndOfTurnDetector(QUICK)
    guess = paused(run(detector, tone(1000), hush(600)))
    run(detector, tone(400))  # the candidate goes on while the guess is being transcribed
    assert detector.heard(guess.turn, guess.speech_ms, "I used Python.") is None
    assert detector.in_turn
    # ... and a guess for a turn that is over changes nothing either
    assert detector.heard(guess.turn + 1, guess.speech_ms, "Yes.") is None


def test_speculation_can_be_turned_off() -> None:
    detector = EndOfTurnDetector(EndpointConfig(silence_ms=1500, quick_silence_ms=0))
    events = run(detector, tone(1000), hush(1500))
    assert [type(e) for e in events] == [SpeechStarted, TurnEnded]
