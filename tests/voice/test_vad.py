"""Silero VAD (the model inside faster-whisper) as the end-of-turn detector's ear: on real
speech from the bundled piper voice, on loud steady noise, and against faster-whisper's own
whole-file run of the same model."""

from __future__ import annotations

import asyncio

import numpy
import pytest

from vivavoce.config import Settings
from vivavoce.voice import live, vad
from vivavoce.voice.audio import SAMPLE_RATE, resample
from vivavoce.voice.endpointing import EndOfTurnDetector, SpeechStarted, TurnEnded
from vivavoce.voice.tts import LocalPiper

SILENCE = bytes(SAMPLE_RATE * 2)  # 1 s


@pytest.fixture(scope="module")
def speech() -> bytes:
    said = asyncio.run(LocalPiper().synthesize("I moved the billing jobs onto a queue."))
    return resample(said.pcm, said.sample_rate)


def noise(seconds: float, level: float) -> bytes:
    rng = numpy.random.default_rng(7)
    values = rng.standard_normal(int(SAMPLE_RATE * seconds)) * level
    return numpy.clip(values, -32768, 32767).astype(numpy.int16).tobytes()


def feed(detector: EndOfTurnDetector, pcm: bytes) -> list[object]:
    events: list[object] = []
    for start in range(0, len(pcm), 3200):  # 100 ms frames, as the browser sends
        events.extend(detector.feed(pcm[start : start + 3200]))
    return events


def test_streamed_probabilities_match_faster_whispers_own_run(speech: bytes) -> None:
    audio = SILENCE + speech + SILENCE
    audio = audio[: len(audio) // 1024 * 1024]  # whole chunks, as the whole-file run needs
    stream = vad.silero()
    assert stream is not None
    streamed: list[float] = []
    for start in range(0, len(audio), 3200):
        stream.accept(audio[start : start + 3200])
        done = min(start + 3200, len(audio)) // 2 // 512  # the chunks whole so far
        streamed.extend(stream.probability_at(i * 512) for i in range(len(streamed), done))
    whole = vad._model()(numpy.frombuffer(audio, dtype=numpy.int16).astype("float32") / 32768)
    assert len(streamed) == len(whole)
    assert numpy.allclose(streamed, numpy.ravel(whole), atol=1e-4)
    assert max(streamed) > 0.9 and min(streamed) < 0.1  # speech and silence both there


def test_silero_finds_the_turn_in_real_speech(speech: bytes) -> None:
    detector = EndOfTurnDetector(speech_detector=vad.silero())
    events = feed(detector, SILENCE + speech + SILENCE * 2)
    started = [e for e in events if isinstance(e, SpeechStarted)]
    ended = [e for e in events if isinstance(e, TurnEnded)]
    assert len(started) == 1 and len(ended) == 1
    assert 900 <= started[0].at_ms <= 1400  # the speech starts after the first second
    assert ended[0].speech_ms >= 1000 and len(ended[0].pcm) >= len(speech) // 2


def test_loud_steady_noise_is_not_a_turn_to_silero() -> None:
    fan = SILENCE + noise(2.0, 2500) + SILENCE
    energy = feed(EndOfTurnDetector(), fan)
    assert any(isinstance(e, SpeechStarted) for e in energy)  # the energy detector is fooled
    silero = feed(EndOfTurnDetector(speech_detector=vad.silero()), fan)
    assert silero == []


def test_speech_is_still_heard_over_the_noise(speech: bytes) -> None:
    mixed = numpy.frombuffer(speech, dtype=numpy.int16).astype(numpy.float64)
    mixed += numpy.frombuffer(noise(len(speech) / 2 / SAMPLE_RATE, 400), dtype=numpy.int16)
    noisy = numpy.clip(mixed, -32768, 32767).astype(numpy.int16).tobytes()
    events = feed(EndOfTurnDetector(speech_detector=vad.silero()), SILENCE + noisy + SILENCE * 2)
    assert [type(e) for e in events if not isinstance(e, SpeechStarted)][-1] is TurnEnded


def test_settings_choose_the_detector() -> None:
    assert isinstance(live.deps_for(Settings(), None).speech_detector(), vad.SileroSpeech)
    assert live.deps_for(Settings(voice_vad="energy"), None).speech_detector() is None


def test_without_the_model_the_energy_detector_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vad, "available", lambda: False)  # faster-whisper not installed
    assert vad.silero() is None
    assert EndOfTurnDetector(speech_detector=vad.silero()).speech_detector is None
