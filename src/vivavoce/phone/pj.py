"""The SIP endpoint, on PJSIP through its pjsua2 bindings (ADR 18): the only module that
imports `pjsua2` (the optional `phone` extra).

Every PJSIP call and every SIP callback runs on one thread of its own, which pumps PJSIP's
events between the commands the asyncio side queues for it (`SipEndpoint.run_on`). Each
call's audio goes through an `AudioMediaPort` connected both ways to the call's stream:
PJSIP's clock thread hands it each 20 ms frame the line carried (16 kHz PCM: the conference
bridge runs at the recogniser's rate and PJSIP resamples the 8 kHz G.711 stream) and asks
it for the next frame to send, taken from the call's `Outgoing` buffer (silence when empty).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pjsua2 as pj  # type: ignore[import-untyped]

from vivavoce.phone.line import CallLine, LineConfig

log = logging.getLogger(__name__)

CLOCK_RATE = 16_000
FRAME_USEC = 20_000
POLL_MS = 10


@dataclass(frozen=True)
class _Command:
    work: Callable[[], Any]
    done: concurrent.futures.Future[Any]


class _Port(pj.AudioMediaPort):  # type: ignore[misc]
    """The audio of a call as PJSIP sees it (its callbacks run on PJSIP's clock thread).
    Ports are never freed while PJSIP runs: a port whose call ended is kept idle and lent to
    the next call, because freeing one races with the clock thread inside its callbacks."""

    def __init__(self) -> None:
        super().__init__()
        self.line: CallLine | None = None

    def onFrameRequested(self, frame: Any) -> None:
        line = self.line
        size = frame.size or 640
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        frame.buf = pj.ByteVector(line.outgoing.take(size) if line else bytes(size))
        frame.size = size

    def onFrameReceived(self, frame: Any) -> None:
        line = self.line
        if line is not None and frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO:
            line.heard(bytes(frame.buf))


class _Call(pj.Call):  # type: ignore[misc]
    def __init__(self, endpoint: SipEndpoint, account: Any, line: CallLine, call_id: int) -> None:
        super().__init__(account, call_id)
        self._endpoint = endpoint
        self.line = line
        self.port: _Port | None = None

    def onCallState(self, prm: Any) -> None:
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.line.answered()
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.line.ended(int(info.lastStatusCode), str(info.lastReason))
            if self.port is not None:
                self._endpoint.retire(self.port)
                self.port = None
            self._endpoint.forget(self)

    def onCallMediaState(self, prm: Any) -> None:
        info = self.getInfo()
        for media in info.media:
            if media.type != pj.PJMEDIA_TYPE_AUDIO:
                continue
            if media.status != pj.PJSUA_CALL_MEDIA_ACTIVE or self.port is not None:
                continue
            stream = self.getAudioMedia(media.index)
            self.port = self._endpoint.port_for(self.line)
            stream.startTransmit(self.port)
            self.port.startTransmit(stream)

    def onDtmfDigit(self, prm: Any) -> None:
        self.line.pressed(str(prm.digit))


class _Account(pj.Account):  # type: ignore[misc]
    def __init__(self, endpoint: SipEndpoint) -> None:
        super().__init__()
        self._endpoint = endpoint

    def onIncomingCall(self, prm: Any) -> None:
        self._endpoint.incoming(self, int(prm.callId))


class SipEndpoint:
    """One PJSIP endpoint: a UDP transport, one account (registered with the trunk when a
    registrar is configured), and the calls placed and received through it."""

    def __init__(
        self,
        config: LineConfig,
        loop: asyncio.AbstractEventLoop,
        on_incoming: Callable[[CallLine], None] | None = None,
    ) -> None:
        self.config = config
        self._loop = loop
        self._on_incoming = on_incoming
        self._commands: queue.SimpleQueue[_Command] = queue.SimpleQueue()
        self._calls: dict[int, _Call] = {}
        self._ports: list[_Port] = []  # every port made, kept until PJSIP stops
        self._idle: list[_Port] = []
        self._gone: list[_Call] = []
        self._stopping = threading.Event()
        self._ready: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._main, name="pjsip", daemon=True)
        self._account: Any = None

    async def start(self) -> int:
        """Start PJSIP; the SIP port it listens on."""
        self._thread.start()
        return await asyncio.wrap_future(self._ready)

    async def stop(self) -> None:
        self._stopping.set()
        await asyncio.to_thread(self._thread.join, 10)

    async def run_on(self, work: Callable[[], Any]) -> Any:
        """Run `work` on PJSIP's thread and wait for its result."""
        done: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._commands.put(_Command(work, done))
        return await asyncio.wrap_future(done)

    async def place(self, uri: str) -> CallLine:
        """Call `uri` (sip:…); the line reports ringing, answer and hang-up."""
        line = CallLine(self._loop, uri, outbound=True)

        def dial() -> None:
            call = _Call(self, self._account, line, pj.PJSUA_INVALID_ID)
            call.makeCall(uri, pj.CallOpParam(True))
            call_id = int(call.getId())
            self._calls[call_id] = call
            line.hang_up_with = lambda: self._hang_up(call_id)

        await self.run_on(dial)
        return line

    # --- on PJSIP's thread -----------------------------------------------------------------

    def incoming(self, account: Any, call_id: int) -> None:
        call = _Call(self, account, CallLine(self._loop, "", outbound=False), call_id)
        self._calls[call_id] = call
        call.line.remote = str(call.getInfo().remoteUri)
        call.line.hang_up_with = lambda: self._hang_up(call_id)
        if self._on_incoming is None:
            self._hang_up(call_id, 486)
            return
        answer = pj.CallOpParam()
        answer.statusCode = 200
        call.answer(answer)
        self._loop.call_soon_threadsafe(self._on_incoming, call.line)

    def port_for(self, line: CallLine) -> _Port:
        """An idle port lent to `line`, or a new one."""
        if self._idle:
            port = self._idle.pop()
        else:
            port = _Port()
            audio = pj.MediaFormatAudio()
            audio.type = pj.PJMEDIA_TYPE_AUDIO
            audio.clockRate = CLOCK_RATE
            audio.channelCount = 1
            audio.bitsPerSample = 16
            audio.frameTimeUsec = FRAME_USEC
            port.createPort(f"vivavoce-{len(self._ports)}", audio)
            self._ports.append(port)
        port.line = line
        return port

    def retire(self, port: _Port) -> None:
        port.line = None
        self._idle.append(port)

    def forget(self, call: _Call) -> None:
        """A call ended: drop it after this callback returns (not inside PJSIP's own)."""
        self._calls = {cid: c for cid, c in self._calls.items() if c is not call}
        self._gone.append(call)

    def _hang_up(self, call_id: int, code: int = 0) -> None:
        """Hang up (from any thread); the line keeps only the id, so no Python call object
        outlives PJSIP."""

        def now() -> None:
            call = self._calls.get(call_id)
            if call is not None:
                _hangup_now(call, code)

        self._commands.put(_Command(now, concurrent.futures.Future()))

    def _main(self) -> None:
        endpoint = pj.Endpoint()
        try:
            port = self._open(endpoint)
        except Exception as error:
            self._ready.set_exception(error)
            endpoint.libDestroy()
            return
        self._ready.set_result(port)
        while not self._stopping.is_set():
            self._run_commands()
            endpoint.libHandleEvents(POLL_MS)
            self._gone.clear()
        endpoint.hangupAllCalls()
        for _ in range(20):
            endpoint.libHandleEvents(POLL_MS)
        endpoint.audDevManager().setNoDev()  # stops the media clock: no callback runs after
        self._calls.clear()
        self._gone.clear()
        self._idle.clear()
        self._ports.clear()
        self._account = None
        endpoint.libDestroy()

    def _run_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                command.done.set_result(command.work())
            except Exception as error:
                command.done.set_exception(error)

    def _open(self, endpoint: Any) -> int:
        config = self.config
        endpoint.libCreate()
        settings = pj.EpConfig()
        settings.uaConfig.threadCnt = 0
        settings.uaConfig.mainThreadOnly = False
        settings.uaConfig.maxCalls = config.max_calls
        settings.uaConfig.userAgent = "vivavoce"
        settings.logConfig.level = 2
        settings.logConfig.consoleLevel = 2
        settings.medConfig.clockRate = CLOCK_RATE
        settings.medConfig.sndClockRate = CLOCK_RATE
        settings.medConfig.noVad = True
        settings.medConfig.ecTailLen = 0
        endpoint.libInit(settings)
        transport = pj.TransportConfig()
        transport.port = config.port
        transport.boundAddress = config.bind_address
        if config.public_address:
            transport.publicAddress = config.public_address
        transport_id = endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        endpoint.audDevManager().setNullDev()
        endpoint.libStart()
        for codec, priority in (("PCMU/8000", 255), ("PCMA/8000", 254)):
            endpoint.codecSetPriority(codec, priority)
        self._account = _Account(self)
        self._account.create(self._account_config(config))
        return int(endpoint.transportGetInfo(transport_id).localName.rsplit(":", 1)[1])

    def _account_config(self, config: LineConfig) -> Any:
        account = pj.AccountConfig()
        account.idUri = config.caller_id
        if config.registrar:
            account.regConfig.registrarUri = config.registrar
        if config.proxy:
            account.sipConfig.proxies.append(config.proxy)
        if config.username:
            account.sipConfig.authCreds.append(
                pj.AuthCredInfo("digest", config.realm, config.username, 0, config.password)
            )
        media = account.mediaConfig.transportConfig
        media.port = config.rtp_port_min
        media.portRange = config.rtp_port_range
        media.boundAddress = config.bind_address
        if config.public_address:
            media.publicAddress = config.public_address
        return account


def _hangup_now(call: _Call, code: int) -> None:
    if not call.isActive():
        return
    hang_up = pj.CallOpParam()
    if code:
        hang_up.statusCode = code
    call.hangup(hang_up)
