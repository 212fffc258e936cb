"""What `vivavoce sip` runs (ADR 18, docs/phone.md): the SIP endpoint, a poll for the calls
that are due (placed, retried and recorded by `vivavoce.phone.service`), and a
`PhoneConversation` on every answered call, placed or dialled in (PIN by keypad)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from vivavoce.coding.room import LiveCodingRound
from vivavoce.config import Settings
from vivavoce.interviewer import providers
from vivavoce.interviewer.room import Room, RoomDeps
from vivavoce.kit.clock import utcnow
from vivavoce.models import InterviewSession
from vivavoce.phone import service
from vivavoce.phone.conversation import (
    NO_CONSENT,
    NOTICE,
    NOTICE_AGAIN,
    CallTiming,
    PhoneConversation,
    Prompts,
)
from vivavoce.phone.line import CallLine, Ended, LineConfig
from vivavoce.sessions import service as sessions
from vivavoce.voice import live as voice_live
from vivavoce.voice.bias import Topic

log = logging.getLogger(__name__)

PIN_PROMPT = "Welcome. Please enter your interview PIN on the keypad, then press the hash key."
PIN_WRONG = "That PIN was not recognised."
PIN_FAILED = "We could not find your interview. Please check the PIN you were sent. Goodbye."
PIN_TRIES = 3
PIN_SECONDS = 20.0
BUSY = frozenset({486, 600})
NOT_ANSWERED = frozenset({408, 480, 487, 603})


def outcome_of(ended: Ended) -> str:
    """How a call that was never answered ended, in the words of the session event."""
    if ended.code in BUSY:
        return "busy"
    if ended.code in NOT_ANSWERED:
        return "no_answer"
    return "failed"


def _none() -> None:
    return None


def _topic(room: Room) -> Topic:
    plan = room.plan
    return Topic() if plan is None else Topic(role=plan.role, skills=plan.skills)


@dataclass
class PhoneService:
    settings: Settings
    sessionmaker: Any
    timing: CallTiming = field(default_factory=lambda: CallTiming([]))
    calls: set[asyncio.Task[None]] = field(default_factory=set)
    conversations: list[PhoneConversation] = field(default_factory=list)  # those under way
    dialled: list[CallLine] = field(default_factory=list)  # dialled in, still on the line
    endpoint: Any = None
    port: int = 0
    prompts: Prompts = field(init=False)

    async def start(self) -> None:
        from vivavoce.phone.pj import SipEndpoint  # the optional phone extra

        voice_live.warm_up(self.settings)
        self.prompts = Prompts(voice_live.providers(self.settings)[1])
        for prompt in (NOTICE, NOTICE_AGAIN, NO_CONSENT, PIN_PROMPT):  # said the moment a
            await self.prompts.pcm(prompt)  # call is answered, never after a silence
        self.endpoint = SipEndpoint(
            LineConfig.of(self.settings), asyncio.get_running_loop(), self._dialled_in
        )
        self.port = await self.endpoint.start()
        log.info("SIP endpoint listening on %s:%d", self.settings.sip_listen_address, self.port)

    async def stop(self) -> None:
        for task in list(self.calls):
            task.cancel()
        for task in list(self.calls):
            with contextlib.suppress(BaseException):
                await task
        if self.endpoint is not None:
            await self.endpoint.stop()

    async def run(self, stop: asyncio.Event) -> None:
        """Place the due calls every `sip_poll_seconds` until `stop` is set."""
        while not stop.is_set():
            await self.place_due()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.sip_poll_seconds)

    async def place_due(self) -> None:
        room_left = self.settings.sip_max_calls - len(self.calls)
        if room_left <= 0:
            return
        quiet = service.QuietHours(
            self.settings.sip_quiet_hours_start, self.settings.sip_quiet_hours_end
        )
        for due in await service.claim_due(self.sessionmaker, utcnow(), room_left, quiet):
            self._spawn(self._call(due))

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self.calls.add(task)
        task.add_done_callback(self.calls.discard)

    def dial_uri(self, phone: str) -> str:
        domain = self.settings.sip_dial_domain
        if domain is None and self.settings.sip_registrar:
            domain = self.settings.sip_registrar.split(":", 1)[-1].split(";")[0]
        return f"sip:{phone}@{domain or '127.0.0.1'}"

    async def _call(self, due: service.DueCall) -> None:
        line = await self.endpoint.place(self.dial_uri(due.phone))
        done, _ = await asyncio.wait(
            {line.up, line.down},
            timeout=self.settings.sip_ring_seconds,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if line.up not in done:
            if line.down in done:
                ended = line.down.result()
                outcome = outcome_of(ended)
            else:
                line.hang_up()
                ended, outcome = Ended(480, "not answered in time"), "no_answer"
            await service.attempt_ended(
                self.sessionmaker, due, outcome, ended.code, utcnow(), self._links()
            )
            return
        await service.attempt_ended(
            self.sessionmaker, due, "answered", 200, utcnow(), self._links()
        )
        session = await self._session(due.session_id)
        if session is not None:
            await self._converse(line, session)

    async def _session(self, session_id: uuid.UUID) -> InterviewSession | None:
        async with self.sessionmaker() as db:
            return await sessions.get_any(db, session_id)

    async def _converse(self, line: CallLine, session: InterviewSession) -> None:
        links = self._links()
        token = links.join_url(session).rsplit("/", 1)[1]
        conversation = PhoneConversation(
            line,
            token,
            self._room_deps(),
            # the energy detector: through an 8 kHz line Silero VAD missed a lone "yes" and
            # heard pauses inside sentences in testing (docs/phone.md)
            replace(voice_live.deps_for(self.settings, self.sessionmaker), speech_detector=_none),
            _topic,
            self.prompts,
            self.timing,
        )
        self.conversations.append(conversation)
        try:
            await conversation.run()
        finally:
            self.conversations.remove(conversation)

    def _links(self) -> sessions.SessionLinks:
        return sessions.SessionLinks(self.settings.base_url, self.settings.secret_key)

    def _room_deps(self) -> RoomDeps:
        settings = self.settings
        voice, judge = providers.shared(settings)
        return RoomDeps(
            sessionmaker=self.sessionmaker,
            links=self._links(),
            grace_seconds=float(settings.join_grace_seconds),
            voice=voice,
            judge=judge,
            coding=LiveCodingRound(self.sessionmaker),
            outage_budget_seconds=settings.interviewer_outage_budget_seconds,
            answerer=providers.model_answerer(settings),
            reveal_words_per_second=0.0,  # the audio paces the words
        )

    # --- dial-in ------------------------------------------------------------------------

    def _dialled_in(self, line: CallLine) -> None:
        self.dialled.append(line)
        self._spawn(self._answer(line))

    async def _answer(self, line: CallLine) -> None:
        try:
            await asyncio.wait_for(asyncio.shield(line.up), 10)
            for attempt in range(PIN_TRIES):
                await self._say(line, PIN_PROMPT if attempt == 0 else f"{PIN_WRONG} {PIN_PROMPT}")
                pin = await self._keyed_pin(line)
                if pin is None:
                    break
                async with self.sessionmaker() as db:
                    session = await service.dialled_in(db, self.settings.secret_key, pin)
                if session is not None:
                    await self._converse(line, session)
                    return
            await self._say(line, PIN_FAILED)
            await line.said()
        finally:
            line.hang_up()
            self.dialled.remove(line)

    async def _keyed_pin(self, line: CallLine) -> str | None:
        """Digits pressed up to '#' (or PIN_DIGITS of them); None if the line went quiet."""
        digits = ""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(PIN_SECONDS):
                while len(digits) < service.PIN_DIGITS:
                    key = await line.keys.get()
                    if key == "#":
                        break
                    if key.isdigit():
                        digits += key
                return digits
        return digits or None

    async def _say(self, line: CallLine, text: str) -> None:
        line.outgoing.add(await self.prompts.pcm(text))
