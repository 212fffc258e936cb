"""The voice side of a live-room connection (`/join/{token}/ws?mode=voice`).

It sits between the socket and the text room (`vivavoce.interviewer.room`) without changing
the room's protocol:

- binary frames from the browser are 16 kHz 16-bit mono PCM from the microphone; the
  end-of-turn detector cuts them into utterances, speech-to-text turns each into words, and
  the words reach the room as an answer (`room_heard`) with the recogniser's confidence in
  each word, which the room stores with the turn (never a client's claim: the browser's
  frames cannot carry them);
- the room's outgoing messages pass through `observe`: the interviewer's words (streamed
  `ai_delta`s, then the stored `turn`) are cut into sentences and spoken, each sentence sent
  as `{"type": "ai_audio", "seq", "text"}` followed by one binary WAV frame (or, with no
  server voice, `{"type": "speak", "seq", "text"}` for the browser's own speech synthesis);
- control messages: `{"type": "barge_in"}` (the candidate spoke over the interviewer: the
  sentences not yet sent are dropped) and `{"type": "voice_off"}` (switch to typing).

Failures never strand the candidate: a speech-to-text call that still fails after retries
turns voice input off with a notice (`{"type": "voice", "state": "off", …}`) and the
interview continues in text; a text-to-speech failure falls back to the browser's voice.
Both sides' audio is appended to the session's recording as it happens.

Each transcription is biased towards the interview's words (`vivavoce.voice.bias`): the
template's role and skills (`room_topic`), the question the interviewer just asked (the
last AI `turn` it passed on) and the terms of the candidate's earlier answers in this
connection (confident words only, typed answers as they were typed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.ratelimit import TokenBucket
from vivavoce.kit.recognition import Heard, Word
from vivavoce.voice import bias, marks, service, stt, tts, vad
from vivavoce.voice.audio import SAMPLE_RATE, resample, to_wav
from vivavoce.voice.bias import Hints, Topic
from vivavoce.voice.endpointing import (
    EndOfTurnDetector,
    EndpointConfig,
    Paused,
    SpeechDetector,
    SpeechStarted,
    TurnEnded,
    classify,
    looks_unfinished,
)
from vivavoce.voice.recordings import RecordingStore, recording_key
from vivavoce.voice.stt import SpeechToText, SpeechUnavailable
from vivavoce.voice.tts import TextToSpeech

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_AUDIO_FRAME_BYTES = 64_000  # 2 s of audio; the browser sends 100 ms frames
AUDIO_BYTES_PER_SECOND = SAMPLE_RATE * 2
AUDIO_BURST_SECONDS = 10.0
CONTROL_TYPES = frozenset({"barge_in", "voice_off"})
MAX_ANSWER_CHARACTERS = 10_000
DRAIN_SECONDS = 20.0  # how long the closing line may take to speak before the socket closes
EARLIER_WORDS_KEPT = 600  # the candidate's latest words that the recogniser's hints draw on

STT_FAILED = (
    "We couldn't turn your speech into text just now, so please type your answers in the box "
    "below. The interview carries on."
)
TTS_FAILED = "The interviewer's voice is unavailable, so your browser will read the questions."

_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*(?=\s)")
_CLAUSE_END = re.compile(r"[,;:][\"')\]]*(?=\s)")
FIRST_CLAUSE_MIN_WORDS = 1  # "Thanks," "Well," "Hello Bench,": a first clause is said alone

SendJson = Callable[[dict[str, Any]], Awaitable[None]]
SendAudio = Callable[[dict[str, Any], bytes], Awaitable[None]]
RoomReceive = Callable[[str], Awaitable[bool]]
RoomHeard = Callable[[str, tuple[Word, ...]], Awaitable[bool]]  # a spoken answer, its words
RoomIds = Callable[[], tuple[uuid.UUID | None, uuid.UUID | None]]
RoomTopic = Callable[[], Topic]  # the interview's role and skills (empty before it starts)


@dataclass(frozen=True)
class VoiceDeps:
    stt: SpeechToText | None
    tts: TextToSpeech | None
    store: RecordingStore
    sessionmaker: Any
    endpoint: EndpointConfig
    thinking_ms: int
    max_retries: int
    bias: bool = True  # hint the recogniser with the interview's words (VIVAVOCE_STT_BIAS)
    # a voice-activity model per connection (Silero VAD), or None: the energy detector
    speech_detector: Callable[[], SpeechDetector | None] = lambda: None


_shared: dict[tuple[Any, ...], tuple[SpeechToText | None, TextToSpeech | None]] = {}


def providers(settings: Settings) -> tuple[SpeechToText | None, TextToSpeech | None]:
    """The configured providers, made once per configuration and reused by every room (the
    local models are loaded once per process)."""
    key = (
        settings.stt_provider,
        settings.stt_base_url,
        settings.stt_model,
        settings.stt_api_key.get_secret_value() if settings.stt_api_key else None,
        settings.stt_word_confidences,
        settings.stt_local_model,
        settings.stt_term_repair,
        settings.tts_provider,
        settings.tts_base_url,
        settings.tts_model,
        settings.tts_voice,
        settings.tts_api_key.get_secret_value() if settings.tts_api_key else None,
        settings.voice_timeout_seconds,
    )
    if key not in _shared:
        _shared[key] = (stt.build(settings), tts.build(settings))
    return _shared[key]


def deps_for(settings: Settings, sessionmaker: Any) -> VoiceDeps:
    speech_to_text, text_to_speech = providers(settings)
    return VoiceDeps(
        stt=speech_to_text,
        tts=text_to_speech,
        store=service.store_for(settings),
        sessionmaker=sessionmaker,
        endpoint=EndpointConfig(
            silence_ms=settings.voice_silence_ms,
            quick_silence_ms=settings.voice_quick_silence_ms,
            thinking_ms=settings.voice_thinking_pause_ms,
        ),
        thinking_ms=settings.voice_thinking_pause_ms,
        max_retries=settings.voice_max_retries,
        bias=settings.stt_bias,
        speech_detector=vad.silero if settings.voice_vad == "silero" else lambda: None,
    )


def warm_up(settings: Settings) -> None:
    """Start loading (and running once) the speech models this configuration uses, each on
    its own worker thread: called when the join page loads, so they are ready by the time
    the candidate has read the notice and consented. Returns at once; once per process."""
    for provider in providers(settings):
        if provider is not None:
            provider.warm_up()
    if settings.voice_vad == "silero":
        vad.warm_up()


def voice_available(settings: Settings) -> bool:
    """Whether candidates may answer by voice (a speech-to-text provider is configured)."""
    return providers(settings)[0] is not None


def check(settings: Settings) -> tuple[bool, str]:
    """For `vivavoce doctor`: the speech providers in use, and whether an explicitly chosen
    provider is missing (the `voice` extra not installed, or no endpoint configured)."""
    speech_to_text, text_to_speech = providers(settings)
    heard = "off (typing only)" if speech_to_text is None else speech_to_text.name
    spoken = "browser speech synthesis" if text_to_speech is None else text_to_speech.name
    missing = (settings.stt_provider in ("local", "openai") and speech_to_text is None) or (
        settings.tts_provider in ("local", "openai") and text_to_speech is None
    )
    silero = settings.voice_vad == "silero" and vad.available()
    detail = f"speech-to-text {heard}, text-to-speech {spoken}"
    if speech_to_text is not None:
        detail += f", speech detection {'Silero VAD' if silero else 'energy'}"
    if missing:
        detail += " (a chosen provider is unavailable: install the `voice` extra or set its URL)"
    return not missing, detail


def split_sentences(text: str) -> tuple[list[str], str]:
    """Complete sentences at the start of `text`, and the unfinished rest."""
    sentences: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        sentence = text[start : end.end()].strip()
        if sentence:
            sentences.append(sentence)
        start = end.end()
    return sentences, text[start:].lstrip()


def first_clause(text: str) -> str | None:
    """The first clause of a reply ("Thanks for that,") when it is long enough to be said
    alone: speaking it while the rest streams in brings the first sound forward."""
    for end in _CLAUSE_END.finditer(text):
        clause = text[: end.end()].strip()
        if len(clause.split()) >= FIRST_CLAUSE_MIN_WORDS:
            return clause
    return None


def _transcription(
    provider: SpeechToText, pcm: bytes, hints: Hints | None
) -> Callable[[], Awaitable[Heard]]:
    return lambda: provider.transcribe(pcm, SAMPLE_RATE, hints)


async def _retrying(call: Callable[[], Awaitable[T]], retries: int) -> T:
    for attempt in range(retries + 1):
        try:
            return await call()
        except SpeechUnavailable:
            if attempt == retries:
                raise
            await asyncio.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


class VoiceChannel:
    """The voice half of one connection; see the module docstring for the protocol."""

    def __init__(
        self,
        deps: VoiceDeps,
        send_json: SendJson,
        send_audio: SendAudio,
        room_receive: RoomReceive,
        room_ids: RoomIds,
        room_heard: RoomHeard,
        room_topic: RoomTopic = Topic,
    ) -> None:
        self.deps = deps
        self._send_json = send_json
        self._send_audio = send_audio
        self._room_receive = room_receive
        self._room_heard = room_heard
        self._room_ids = room_ids
        self._room_topic = room_topic
        self._question = ""  # the interviewer's latest turn: what the answer follows
        self._earlier: list[Word] = []  # the candidate's words so far (for the hints)
        self._submitted: Heard | None = None  # the last answer handed to the room
        self.stt = deps.stt
        self.tts = deps.tts
        self.live = False
        self.listening = deps.stt is not None
        self.detector = EndOfTurnDetector(deps.endpoint, deps.speech_detector())
        self._said = ""  # the AI turn being worded, as streamed
        self._spoken = 0  # how much of it is already queued for speech
        self._seq = 0
        self._dropped_before = 0
        self._speech: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        self._speaker: asyncio.Task[None] | None = None
        self._heard: asyncio.Queue[TurnEnded] = asyncio.Queue()
        # the speculative transcription of the latest pause: (turn, speech_ms) → its words
        self._guess: tuple[tuple[int, int], asyncio.Future[Heard]] | None = None
        self._guessing: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None
        self._pending = Heard("")  # words heard that sounded unfinished
        self._pending_until_ms: int | None = None
        self._recording: str | None = None
        # the recording's length, so each stretch of speech is marked where it starts
        self._recorded_bytes = 0
        self._recording_lock = asyncio.Lock()
        self._to_record: asyncio.Queue[tuple[bytes, int, str]] = asyncio.Queue()
        self._recorder: asyncio.Task[None] | None = None  # not cancelled on close: it is short
        # AUDIO_BURST_SECONDS of audio, refilled at 1.5 times the rate it is spoken
        self._audio_budget = TokenBucket(
            AUDIO_BYTES_PER_SECOND * AUDIO_BURST_SECONDS,
            AUDIO_BYTES_PER_SECOND * 1.5,
            time.monotonic(),
        )
        self._last_hold = 0.0
        for provider in (self.stt, self.tts):
            if provider is not None:
                provider.warm_up()

    # --- from the room to the browser ------------------------------------------------------

    async def observe(self, message: dict[str, Any]) -> None:
        """The room's `send`: forward the message, and speak the interviewer's words."""
        kind = message.get("type")
        if kind == "status" and message.get("state") == "ended":
            await self._drain()  # the closing line is still heard, then the socket closes
            self.live = False
        elif kind == "status" and message.get("state") == "taken_over":
            self._dropped_before = self._seq + 1  # another tab speaks from now on
            self.live = False
        await self._send_json(message)
        if kind == "status" and message.get("state") == "live":
            self.live = True
            await self._send_json(
                {
                    "type": "voice",
                    "state": "on" if self.listening else "off",
                    "tts": "server" if self.tts is not None else "browser",
                    "silence_ms": self.deps.endpoint.silence_ms,
                }
            )
        elif kind == "ai_delta" and self.live:
            self._said += str(message.get("text", ""))
            if not self._spoken:  # the reply's first clause goes ahead of its first sentence
                clause = first_clause(self._said)
                firsts, _rest = split_sentences(self._said)
                if clause and (not firsts or len(clause) < len(firsts[0])):
                    self._spoken = self._said.index(clause) + len(clause)
                    self._say(clause)
            sentences, _rest = split_sentences(self._said[self._spoken :])
            for sentence in sentences:
                self._spoken = self._said.index(sentence, self._spoken) + len(sentence)
                self._say(sentence)
        elif kind == "turn" and message.get("speaker") == "participant" and self.live:
            # The candidate answered (a typed answer can come while the interviewer is still
            # speaking): what was queued before it is no longer worth saying.
            self._dropped_before = self._seq + 1
            self._remember_answer(str(message.get("text", "")))
        elif kind == "turn" and message.get("speaker") == "ai" and self.live:
            text = str(message.get("text", ""))
            self._question = text
            if self._spoken and text.startswith(self._said[: self._spoken]):
                rest = text[self._spoken :]
            elif self._spoken:
                rest = ""
            else:
                rest = text
            sentences, tail = split_sentences(rest)
            for sentence in [*sentences, tail.strip()]:
                if sentence:
                    self._say(sentence)
            self._said, self._spoken = "", 0

    def _remember_answer(self, text: str) -> None:
        """An answer stored in this connection: the recognised words (with their
        confidences) of the one just spoken, else a typed one, every word as written."""
        spoken, self._submitted = self._submitted, None
        if spoken is not None and spoken.words:
            words = spoken.words
        else:
            words = tuple((word, 1.0) for word in text.split())
        self._earlier = [*self._earlier, *words][-EARLIER_WORDS_KEPT:]

    def hints(self) -> Hints | None:
        """The recogniser's hints for the answer being given now (None with bias off)."""
        if not self.deps.bias:
            return None
        return bias.hints_for(self._room_topic(), self._question, self._earlier)

    def _say(self, sentence: str) -> None:
        self._seq += 1
        self._speech.put_nowait((self._seq, sentence))
        if self._speaker is None or self._speaker.done():
            self._speaker = asyncio.create_task(self._speak_all())

    async def _drain(self) -> None:
        if self._speaker is not None and not self._speaker.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._speaker), DRAIN_SECONDS)

    async def _speak_all(self) -> None:
        while not self._speech.empty():
            seq, sentence = self._speech.get_nowait()
            if seq < self._dropped_before:
                continue
            try:
                await self._speak(seq, sentence)
            except Exception:
                log.exception("speaking a sentence failed")

    async def _speak(self, seq: int, sentence: str) -> None:
        voice = self.tts
        if voice is not None:
            try:
                speech = await _retrying(lambda: voice.synthesize(sentence), self.deps.max_retries)
            except SpeechUnavailable as error:
                log.warning("text-to-speech down, the browser speaks instead: %s", error)
                self.tts = None
                await self._send_json(
                    {
                        "type": "voice",
                        "state": "on" if self.listening else "off",
                        "tts": "browser",
                        "message": TTS_FAILED,
                    }
                )
            else:
                if seq < self._dropped_before:  # interrupted while it was being made
                    return
                await self._send_audio(
                    {"type": "ai_audio", "seq": seq, "text": sentence},
                    to_wav(speech.pcm, speech.sample_rate),
                )
                self._record_later(speech.pcm, speech.sample_rate, "ai")  # after: not in the way
                return
        await self._send_json({"type": "speak", "seq": seq, "text": sentence})

    # --- from the browser ------------------------------------------------------------------

    async def control(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "barge_in":
            self._dropped_before = self._seq + 1
            await self._hold_timer()
        elif kind == "voice_off":
            await self._voice_off("candidate", None)

    async def audio(self, frame: bytes) -> None:
        """One binary frame of microphone audio."""
        if len(frame) > MAX_AUDIO_FRAME_BYTES or not self._audio_budget.take(
            len(frame), time.monotonic()
        ):
            await self._send_json(
                {"type": "error", "code": "audio_rejected", "message": "audio frame refused"}
            )
            return
        if not (self.live and self.listening):
            return
        for event in self.detector.feed(frame):
            if isinstance(event, SpeechStarted):
                self._pending_until_ms = None
                await self._send_json({"type": "hearing"})
                await self._hold_timer()
            elif isinstance(event, Paused):
                self._speculate(event)
            elif isinstance(event, TurnEnded):
                self._turn_ended(event)
        if (
            self._pending_until_ms is not None
            and not self.detector.in_turn
            and self.detector.elapsed_ms >= self._pending_until_ms
        ):
            await self._submit()

    async def _hold_timer(self) -> None:
        """Tell the room the candidate is answering, so its silence timer waits."""
        now = time.monotonic()
        if now - self._last_hold > 3.0:
            self._last_hold = now
            await self._room_receive('{"type":"typing"}')

    def _turn_ended(self, ended: TurnEnded) -> None:
        self._heard.put_nowait(ended)
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._transcribe_all())

    def _speculate(self, paused: Paused) -> None:
        """Transcribe a pause's audio now; the detector judges the words (a finished answer
        ends the turn at once), and the turn reuses them if nothing more is said."""
        if self.stt is None:
            return
        words = asyncio.ensure_future(
            _retrying(_transcription(self.stt, paused.pcm, self.hints()), self.deps.max_retries)
        )
        self._guess = ((paused.turn, paused.speech_ms), words)
        task = asyncio.create_task(self._judge(paused, words))
        self._guessing.add(task)
        task.add_done_callback(self._guessing.discard)

    async def _judge(self, paused: Paused, guess: asyncio.Future[Heard]) -> None:
        try:
            words = (await guess).text.strip()
        except SpeechUnavailable:
            return  # the turn is transcribed again when it ends, and fails there if it must
        if not (self.live and self.listening):
            return
        text = self._pending.then(Heard(words)).text
        ended = self.detector.heard(paused.turn, paused.speech_ms, text)
        if ended is not None:
            self._turn_ended(ended)
        elif (
            self.detector.in_turn
            and self.detector.speech_ms == paused.speech_ms
            and classify(text) == "unfinished"
            and words
        ):
            await self._send_json({"type": "heard", "text": text, "final": False})

    async def _words_of(self, ended: TurnEnded, stt_provider: SpeechToText) -> Heard:
        """The turn's words: the speculative guess when nothing was said after it, else a
        transcription of the whole turn."""
        if self._guess is not None and self._guess[0] == (ended.turn, ended.speech_ms):
            guess = self._guess[1]
            self._guess = None
            return await guess
        transcription = _transcription(stt_provider, ended.pcm, self.hints())
        return await _retrying(transcription, self.deps.max_retries)

    async def _transcribe_all(self) -> None:
        while not self._heard.empty() and self.listening:
            ended = self._heard.get_nowait()
            self._record_later(ended.pcm, SAMPLE_RATE, "participant")
            if self.stt is None:
                return
            try:
                words = await self._words_of(ended, self.stt)
            except SpeechUnavailable as error:
                log.warning("speech-to-text down, continuing in text: %s", error)
                await self._voice_off("stt_failed", STT_FAILED)
                return
            await self._heard_words(words, ended)

    async def _heard_words(self, words: Heard, ended: TurnEnded) -> None:
        if not words.text.strip():
            return
        heard = self._pending.then(words)
        text = heard.text
        # trailing off: wait for the rest, unless the turn already waited the thinking pause
        waited = ended.silence_ms > self.deps.endpoint.silence_ms
        unfinished = looks_unfinished(text) and self.deps.thinking_ms > 0 and not waited
        if self.detector.in_turn or unfinished:
            # still talking, or trailing off mid-thought: wait for the rest of the answer
            self._pending = heard
            self._pending_until_ms = (
                None if self.detector.in_turn else self.detector.elapsed_ms + self.deps.thinking_ms
            )
            await self._send_json({"type": "heard", "text": text, "final": False})
            return
        self._pending = heard
        await self._submit()

    async def _submit(self) -> None:
        heard, self._pending, self._pending_until_ms = self._pending, Heard(""), None
        text = heard.text.strip()
        if text:
            self._submitted = heard
            await self._room_heard(text[:MAX_ANSWER_CHARACTERS], heard.words)

    async def _voice_off(self, reason: str, notice: str | None) -> None:
        self.listening = False
        self._pending, self._pending_until_ms = Heard(""), None
        message: dict[str, Any] = {
            "type": "voice",
            "state": "off",
            "reason": reason,
            "tts": "server" if self.tts is not None else "browser",
        }
        if notice:
            message["message"] = notice
        await self._send_json(message)

    def _record_later(self, pcm: bytes, sample_rate: int, speaker: str) -> None:
        """Queue `speaker`'s audio for the session's recording: appended in the order queued
        (the conversation's), by one task, off the path from the end of speech to the reply."""
        self._to_record.put_nowait((pcm, sample_rate, speaker))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_all())

    async def _record_all(self) -> None:
        while not self._to_record.empty():
            pcm, sample_rate, speaker = self._to_record.get_nowait()
            await self._record(resample(pcm, sample_rate), speaker)

    async def _record(self, pcm: bytes, speaker: str) -> None:
        """Append audio to the session's recording (linked to the session on first use) and
        mark where this stretch of `speaker`'s speech starts in it."""
        session_id, workspace_id = self._room_ids()
        if session_id is None or workspace_id is None or not pcm:
            return
        try:
            key = recording_key(workspace_id, session_id)
            async with self._recording_lock:  # both sides record: offsets must not interleave
                if self._recording != key:
                    self._recorded_bytes = await marks.recorded_bytes(self.deps.store, key)
                await self.deps.store.append(key, pcm)
                if self._recording != key:
                    await service.attach_recording(self.deps.sessionmaker, session_id, key)
                    self._recording = key
                offset, self._recorded_bytes = self._recorded_bytes, self._recorded_bytes + len(pcm)
            await marks.add_mark(
                self.deps.sessionmaker, workspace_id, session_id, offset, speaker, utcnow()
            )
        except Exception:
            log.exception("recording audio failed for session %s", session_id)

    def close(self) -> None:
        guess = self._guess[1] if self._guess is not None else None
        for task in (self._speaker, self._listener, *self._guessing, guess):
            if task is not None:
                task.cancel()
