"""What word confidences cost the local recogniser: faster-whisper tiny.en with the settings
of `vivavoce.voice.stt`, on answers spoken by piper, with and without `word_timestamps` (the
alignment pass that gives each word its probability).

    .venv/bin/python bench/stt_words.py        # BENCH_STT_RUNS (default 5) per answer
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

import numpy

from vivavoce.voice import stt, tts
from vivavoce.voice.audio import resample, samples

ANSWERS = (
    "Yes, I am ready to start.",
    "At my last company I led the redesign of our invoicing service and ran the migration "
    "myself for three weeks.",
    "For example, last year our checkout latency doubled after a release. I profiled the "
    "workers, found an N plus one query, and rewrote it as a single join with an index.",
)


def _timed(audio: numpy.ndarray, with_words: bool) -> float:
    started = time.perf_counter()
    segments, _info = stt._whisper_model().transcribe(
        audio,
        language="en",
        beam_size=1,
        vad_filter=False,
        condition_on_previous_text=False,
        without_timestamps=True,
        word_timestamps=with_words,
    )
    list(segments)
    return time.perf_counter() - started


async def main() -> None:
    runs = int(os.environ.get("BENCH_STT_RUNS", "5"))
    voice = tts.LocalPiper()
    stt._whisper_model()  # loaded once, before timing
    print(f"{'audio s':>8} {'text only p50':>14} {'with words p50':>15} {'extra':>7}")
    for answer in ANSWERS:
        speech = await voice.synthesize(answer)
        pcm = resample(speech.pcm, speech.sample_rate)
        audio = numpy.asarray(samples(pcm), dtype=numpy.float32) / 32768.0
        _timed(audio, True)  # warm
        plain = statistics.median(_timed(audio, False) for _ in range(runs))
        worded = statistics.median(_timed(audio, True) for _ in range(runs))
        seconds = len(pcm) / 32_000
        print(f"{seconds:8.1f} {plain:13.2f}s {worded:14.2f}s {worded - plain:6.2f}s")


if __name__ == "__main__":
    asyncio.run(main())
