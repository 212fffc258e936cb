"""One phone interview on an answered line: the AI-use notice, consent by keypress or
"yes", then the web voice channel's room over the call (ADR 18, docs/phone.md).

The call drives the same `Room` and `VoiceChannel` the join page's voice mode does: the
line's 16 kHz frames go to `VoiceChannel.audio` (endpointing, speech-to-text, the answer
handed to the room), the interviewer's spoken sentences come back through `send_audio` and
are queued on the line, and both sides are recorded and marked like a web recording. When
the candidate speaks over the interviewer (the channel says `hearing`), what was still to be
said is dropped: barge-in. When the room ends the interview, the closing words are said and
the call is hung up; when the candidate hangs up, the room is told the connection went away
(the session then waits out the join grace period like a dropped browser)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vivavoce.interviewer.room import Room, RoomDeps
from vivavoce.kit.recognition import Word
from vivavoce.phone.line import CallLine
from vivavoce.voice import live as voice_live
from vivavoce.voice.audio import SAMPLE_RATE, from_wav, resample, rms
from vivavoce.voice.bias import Topic
from vivavoce.voice.endpointing import EndOfTurnDetector, TurnEnded
from vivavoce.voice.stt import SpeechUnavailable
from vivavoce.voice.tts import TextToSpeech

log = logging.getLogger(__name__)

NOTICE = (
    "Hello. This is an interview run by an AI interviewer, not a person. It will ask you "
    "questions and may ask follow-ups. The call is recorded, and your answers are saved as a "
    "transcript that the team reviews; people make the decisions, not the AI. "
    "To agree and start, press 1 or say yes. If you do not agree, hang up."
)
NOTICE_AGAIN = "To start the interview, press 1 or say yes. If you do not agree, hang up."
NO_CONSENT = "We did not hear your agreement, so the interview will not start. Goodbye."
CONSENT_SECONDS = 25.0  # after the notice, per prompt
CONSENT_PROMPTS = 2
HANG_UP_AFTER_SPEECH_SECONDS = 0.5
VOICED_LEVEL = 400.0  # a frame this loud carries a voice (the endpointer's floor)
_YES = re.compile(r"\b(yes|yeah|yep|agree|i agree|okay|ok|sure|start)\b", re.IGNORECASE)


@dataclass
class CallTiming:
    """When the candidate's last words ended and when the interviewer's next audio was first
    queued on the line (monotonic seconds): the bench's end of speech → first AI audio."""

    replies: list[float]
    _speech_ended: float | None = None

    def speech_ended(self, at: float) -> None:
        self._speech_ended = at

    def audio_queued(self) -> None:
        if self._speech_ended is not None:
            self.replies.append(time.monotonic() - self._speech_ended)
            self._speech_ended = None


class Prompts:
    """What the phone says outside the interview (the notice, the PIN prompts), spoken once
    per process and kept: the notice is ready the moment a call is answered."""

    def __init__(self, voice: TextToSpeech | None) -> None:
        self._voice = voice
        self._said: dict[str, asyncio.Task[bytes]] = {}

    def prepare(self, *texts: str) -> None:
        for text in texts:
            if text not in self._said:
                self._said[text] = asyncio.ensure_future(self._speak(text))

    async def pcm(self, text: str) -> bytes:
        """`text` spoken (16 kHz PCM); empty with no server voice or when it fails."""
        self.prepare(text)
        return await asyncio.shield(self._said[text])

    async def _speak(self, text: str) -> bytes:
        if self._voice is None:
            return b""
        try:
            speech = await self._voice.synthesize(text)
        except SpeechUnavailable:
            log.warning("text-to-speech failed: a phone prompt could not be said")
            self._said.pop(text, None)
            return b""
        return resample(speech.pcm, speech.sample_rate, SAMPLE_RATE)


def said_yes(text: str) -> bool:
    return bool(_YES.search(text))


class PhoneConversation:
    """The interview on one line, for the session whose join token is `token`."""

    def __init__(
        self,
        line: CallLine,
        token: str,
        room_deps: RoomDeps,
        voice_deps: voice_live.VoiceDeps,
        topic: Callable[[Room], Topic],
        prompts: Prompts,
        timing: CallTiming | None = None,
    ) -> None:
        self.line = line
        self._prompts = prompts
        self.timing = timing or CallTiming([])
        self.consented = False
        self._voice_deps = voice_deps
        self._ended = asyncio.Event()
        self._voiced_at = time.monotonic()  # the last frame of the line that carried a voice
        self.channel = voice_live.VoiceChannel(
            voice_deps,
            self._send_json,
            self._send_audio,
            self._room_receive,
            lambda: (self.room.session_id, self.room.workspace_id),
            self._room_heard,
            lambda: topic(self.room),
        )
        self.room = Room(
            room_deps,
            token,
            self.channel.observe,
            self._close,
            client_address=line.remote[:200] or None,
            user_agent="vivavoce phone",
        )

    async def run(self) -> None:
        """Talk until either side ends the call; always leaves the line hung up."""
        try:
            if await self._consent():
                self.consented = True
                await self.room.receive(json.dumps({"type": "consent"}))
                await self._listen()
            else:
                await self._say_text(NO_CONSENT)
                await self._drained()
        finally:
            self.channel.close()
            if self.consented:
                await self.room.disconnected()
            self.line.hang_up()

    # --- before the interview ---------------------------------------------------------------

    async def _consent(self) -> bool:
        """Say the notice; True once the candidate presses 1 or says yes."""
        for prompt in (NOTICE, *[NOTICE_AGAIN] * (CONSENT_PROMPTS - 1)):
            await self._say_text(prompt)
            await self._drained()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CONSENT_SECONDS):
                    if await self._heard_agreement():
                        return True
            if self.line.down.done():
                return False
        return False

    async def _heard_agreement(self) -> bool:
        detector = EndOfTurnDetector(self._voice_deps.endpoint, self._voice_deps.speech_detector())
        keys = asyncio.ensure_future(self.line.keys.get())
        try:
            while not self.line.down.done():
                frame = asyncio.ensure_future(self.line.frames.get())
                waits: set[asyncio.Future[Any]] = {frame, keys, self.line.down}
                done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                if keys in done:
                    frame.cancel()
                    if keys.result() == "1":
                        return True
                    keys = asyncio.ensure_future(self.line.keys.get())
                    continue
                if frame not in done:
                    frame.cancel()
                    return False
                for event in detector.feed(frame.result()):
                    if isinstance(event, TurnEnded) and await self._is_yes(event.pcm):
                        return True
            return False
        finally:
            keys.cancel()

    async def _is_yes(self, pcm: bytes) -> bool:
        speech_to_text = self._voice_deps.stt
        if speech_to_text is None:
            return False
        try:
            heard = await speech_to_text.transcribe(pcm, SAMPLE_RATE, None)
        except SpeechUnavailable:
            log.warning("speech-to-text failed on the consent answer; a keypress still works")
            return False
        return said_yes(heard.text)

    async def _say_text(self, text: str) -> None:
        self.line.outgoing.add(await self._prompts.pcm(text))

    async def _drained(self) -> None:
        await self.line.said()

    # --- the interview ---------------------------------------------------------------------

    async def _listen(self) -> None:
        while not self._ended.is_set() and not self.line.down.done():
            frame = asyncio.ensure_future(self.line.frames.get())
            ended = asyncio.ensure_future(self._ended.wait())
            waits: set[asyncio.Future[Any]] = {frame, ended, self.line.down}
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            ended.cancel()
            if not frame.done():
                frame.cancel()
                break
            if rms(frame.result()) >= VOICED_LEVEL:
                self._voiced_at = time.monotonic()
            await self.channel.audio(frame.result())
        if self._ended.is_set():
            await self._drained()
            await asyncio.sleep(HANG_UP_AFTER_SPEECH_SECONDS)

    async def _send_json(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "hearing":  # the candidate speaks over the interviewer
            self.line.outgoing.clear()
            await self.channel.control({"type": "barge_in"})
        elif kind == "status" and message.get("state") in ("ended", "taken_over"):
            self._ended.set()

    async def _send_audio(self, header: dict[str, Any], wav: bytes) -> None:
        pcm, rate = from_wav(wav)
        self.line.outgoing.add(resample(pcm, rate, SAMPLE_RATE))
        self.timing.audio_queued()

    async def _room_receive(self, raw: str) -> bool:
        return await self.room.receive(raw)

    async def _room_heard(self, text: str, heard: tuple[Word, ...]) -> bool:
        self.timing.speech_ended(self._voiced_at)
        return await self.room.receive(json.dumps({"type": "answer", "text": text}), heard)

    async def _close(self, code: int) -> None:
        self._ended.set()
