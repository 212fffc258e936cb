"""`make eval-voice`: how well the local recogniser hears interview answers, with and without
the interview's words as hints (docs/voice.md, "Measured accuracy").

The speech is made here at run time (eval/voice/speech.py): every answer of
eval/voice/answers.json said by each available voice (piper's bundled en_US-joe-medium,
espeak-ng's en-us and en-gb), with white noise added (`--snr`, 15 dB by default). Each role's
answers of the split are one interview, answered in order (the holdout's never draw on the
tuning answers): an answer is transcribed by the production path
(`vivavoce.voice.stt.transcribe_locally`: faster-whisper tiny.en, the echo check, the
repeated-phrase collapse) once without hints, as before biasing, and once with
`bias.hints_for` the role, the skills, the question and the words the recogniser heard (with
their confidences) in the earlier answers of the same interview, as the live channel does;
that hinted decoding is scored as it came ("hinted") and after `term_repair` spelled back the
hint terms it heard as look-alikes ("repaired", what `VIVAVOCE_STT_TERM_REPAIR=true` stores),
so the repair is measured on the very same decoding. Printed per voice and overall: word error
rate, and domain-term accuracy (the share of each answer's `terms` heard, eval/voice/metrics.py).

    .venv/bin/python -m eval.voice.run                  # the holdout (the reported figures)
    .venv/bin/python -m eval.voice.run --split tune --details
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.voice import metrics, models
from eval.voice.speech import Voice, available_voices, espeak_available, spoken, with_noise

from vivavoce.kit.recognition import Word
from vivavoce.voice import term_repair
from vivavoce.voice.audio import SAMPLE_RATE
from vivavoce.voice.bias import Topic, hints_for

ANSWERS = Path(__file__).with_name("answers.json")


@dataclass(frozen=True)
class Answer:
    split: str
    kind: str
    question: str
    text: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Interview:
    topic: Topic
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Scored:
    voice: str
    answer: Answer
    mode: str  # "plain" (no hints), "hinted" (decoder hints), "repaired" (and term repair)
    heard: str
    errors: int
    reference_words: int
    terms_heard: int
    seconds: float


def load(path: Path = ANSWERS) -> list[Interview]:
    data = json.loads(path.read_text())
    return [
        Interview(
            Topic(role["role"], tuple(role["skills"])),
            tuple(
                Answer(a["split"], a["kind"], a["question"], a["text"], tuple(a["terms"]))
                for a in role["answers"]
            ),
        )
        for role in data["roles"]
    ]


def score(voice: Voice, answer: Answer, mode: str, heard: str, seconds: float) -> Scored:
    reference = metrics.words(answer.text)
    hypothesis = metrics.words(heard)
    return Scored(
        voice=voice.name,
        answer=answer,
        mode=mode,
        heard=heard,
        errors=metrics.edit_distance(reference, hypothesis),
        reference_words=len(reference),
        terms_heard=sum(metrics.term_heard(term, hypothesis) for term in answer.terms),
        seconds=seconds,
    )


def interview(
    voice: Voice, session: Interview, split: str, snr: float, model: str | None
) -> list[Scored]:
    """One role's answers of `split` in order; the words heard in the earlier ones feed the
    hints of the next."""
    from vivavoce.voice.stt import transcribe_locally

    scored: list[Scored] = []
    earlier: list[Word] = []
    for answer in (a for a in session.answers if a.split == split):
        pcm = with_noise(spoken(voice, answer.text), snr, f"{voice.name}|{answer.text}")
        hints = hints_for(session.topic, answer.question, earlier)
        start = time.perf_counter()
        hinted = transcribe_locally(pcm, SAMPLE_RATE, True, hints, model)
        hinted_seconds = time.perf_counter() - start
        # the same decoding with look-alike hint terms spelled back (VIVAVOCE_STT_TERM_REPAIR)
        repaired = term_repair.restored(hinted, hints.restorable()) if hints else hinted
        earlier.extend(hinted.words)
        start = time.perf_counter()
        plain = transcribe_locally(pcm, SAMPLE_RATE, False, None, model)
        plain_seconds = time.perf_counter() - start
        scored.append(score(voice, answer, "plain", plain.text, plain_seconds))
        scored.append(score(voice, answer, "hinted", hinted.text, hinted_seconds))
        scored.append(score(voice, answer, "repaired", repaired.text, hinted_seconds))
    return scored


def _rates(rows: Sequence[Scored]) -> tuple[float, float]:
    words = sum(r.reference_words for r in rows)
    terms = sum(len(r.answer.terms) for r in rows)
    wer = sum(r.errors for r in rows) / words if words else 0.0
    accuracy = sum(r.terms_heard for r in rows) / terms if terms else 1.0
    return wer, accuracy


MODES = ("plain", "hinted", "repaired")


def report(rows: Sequence[Scored], voices: Sequence[str]) -> None:
    print(f"{'voice':<22}" + "".join(f"{'WER ' + mode:>14}" for mode in MODES), end="")
    print("".join(f"{'terms ' + mode:>16}" for mode in MODES))
    for name in [*voices, "all voices"]:
        mine = [r for r in rows if name in (r.voice, "all voices")]
        rates = [_rates([r for r in mine if r.mode == mode]) for mode in MODES]
        print(f"{name:<22}" + "".join(f"{wer:>14.1%}" for wer, _terms in rates), end="")
        print("".join(f"{terms:>16.1%}" for _wer, terms in rates))
    for kind in ("technical", "plain"):
        mine = [r for r in rows if r.answer.kind == kind]
        wers = ", ".join(
            f"{_rates([r for r in mine if r.mode == mode])[0]:.1%} {mode}" for mode in MODES
        )
        print(f"  {kind} answers: WER {wers}")
    terms = sum(len(r.answer.terms) for r in rows if r.mode == "hinted")
    print(f"  {terms} domain terms; decoding time per answer (hinted includes word confidences):")
    for mode in ("plain", "hinted"):
        times = [r.seconds for r in rows if r.mode == mode]
        if times:
            print(f"    {mode}: mean {sum(times) / len(times):.2f} s, max {max(times):.2f} s")


def details(rows: Sequence[Scored]) -> None:
    for row in rows:
        print(f"[{row.voice}] {row.mode:<8} {row.errors}/{row.reference_words}: {row.heard}")
        if row.mode == "repaired":
            print(f"    said: {row.answer.text}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=("holdout", "tune", "all"), default="holdout")
    parser.add_argument("--snr", type=float, default=15.0, help="signal-to-noise ratio, dB")
    parser.add_argument("--details", action="store_true", help="print every transcription")
    parser.add_argument("--model", choices=("tiny.en", "base"), default="tiny.en")
    args = parser.parse_args(argv)
    if args.details and args.split != "tune":
        parser.error("--details is for tuning: use it with --split tune")
    splits = ("tune", "holdout") if args.split == "all" else (args.split,)
    voices = available_voices()
    if not espeak_available():
        print("espeak-ng is not installed (make eval-voice installs it): piper only")
    sessions = load()
    model = models.model_directory(args.model)
    started = time.perf_counter()
    rows = [
        row
        for voice in voices
        for session in sessions
        for split in splits
        for row in interview(voice, session, split, args.snr, model)
    ]
    answers = len({r.answer.text for r in rows})
    print(
        f"\nspeech recognition, faster-whisper {args.model} int8, split {args.split}: "
        f"{answers} answers x {len(voices)} voices, white noise at {args.snr:g} dB SNR"
        f" ({time.perf_counter() - started:.0f} s)"
    )
    if args.details:
        details(rows)
    report(rows, [v.name for v in voices])
    return 0


if __name__ == "__main__":
    sys.exit(main())
