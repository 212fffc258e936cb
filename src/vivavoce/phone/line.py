"""One call as the asyncio side sees it, whatever SIP stack carries it: what the line heard
(16 kHz PCM, in 100 ms frames like the browser's), the keys pressed, whether it was
answered and how it ended, and the audio queued to be said on it.

`CallLine`'s `heard`, `pressed`, `answered` and `ended` are called from the SIP stack's
threads; they only hand their news to the event loop. `Outgoing` is shared with the stack's
clock thread behind a lock."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vivavoce.config import Settings

FRAME_BYTES = 3200  # 100 ms of 16 kHz 16-bit mono: what the voice channel gets from a browser


@dataclass(frozen=True)
class LineConfig:
    """The SIP side of `Settings` (docs/phone.md)."""

    bind_address: str
    port: int
    public_address: str | None
    rtp_port_min: int
    rtp_port_range: int
    caller_id: str
    registrar: str | None
    proxy: str | None
    username: str | None
    password: str
    realm: str
    max_calls: int

    @classmethod
    def of(cls, settings: Settings) -> LineConfig:
        return cls(
            bind_address=settings.sip_listen_address,
            port=settings.sip_listen_port,
            public_address=settings.sip_public_address,
            rtp_port_min=settings.sip_rtp_port_min,
            rtp_port_range=settings.sip_rtp_port_range,
            caller_id=settings.sip_caller_id,
            registrar=settings.sip_registrar,
            proxy=settings.sip_proxy,
            username=settings.sip_username,
            password=settings.sip_password.get_secret_value() if settings.sip_password else "",
            realm=settings.sip_realm,
            max_calls=settings.sip_max_calls,
        )


class Outgoing:
    """Audio waiting to be said on the line (16 kHz PCM). `add` and `clear` run on the event
    loop, `take` on the SIP stack's clock thread; `emptied` is set once all was said."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._pcm = bytearray()
        self.emptied = asyncio.Event()
        self.emptied.set()

    def add(self, pcm: bytes) -> None:
        if not pcm:
            return
        with self._lock:
            self._pcm.extend(pcm)
        self.emptied.clear()

    def clear(self) -> None:
        with self._lock:
            self._pcm.clear()
        self.emptied.set()

    def take(self, size: int) -> bytes:
        """The next `size` bytes, padded with silence."""
        with self._lock:
            had = len(self._pcm)
            chunk = bytes(self._pcm[:size])
            del self._pcm[:size]
        if had and had <= size:
            self._loop.call_soon_threadsafe(self._check_empty)
        return chunk + bytes(size - len(chunk))

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pcm)

    def _check_empty(self) -> None:
        if not self.pending:
            self.emptied.set()


@dataclass(frozen=True)
class Ended:
    """How a call ended: the SIP status of its last response (200 after a conversation; 486
    busy, 480/408 not answered, 603 declined) and its reason phrase."""

    code: int
    reason: str


class CallLine:
    def __init__(self, loop: asyncio.AbstractEventLoop, remote: str, *, outbound: bool) -> None:
        self._loop = loop
        self.remote = remote
        self.outbound = outbound
        self.outgoing = Outgoing(loop)
        self.frames: asyncio.Queue[bytes] = asyncio.Queue()
        self.keys: asyncio.Queue[str] = asyncio.Queue()
        self.up: asyncio.Future[None] = loop.create_future()
        self.down: asyncio.Future[Ended] = loop.create_future()
        self.hang_up_with: Callable[[], None] = lambda: None
        self._partial = bytearray()  # touched by the clock thread only

    def hang_up(self) -> None:
        self.hang_up_with()

    async def said(self) -> None:
        """Until everything queued has been said, or the line is down."""
        emptied = asyncio.ensure_future(self.outgoing.emptied.wait())
        waits: set[asyncio.Future[Any]] = {emptied, self.down}
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        emptied.cancel()

    @property
    def is_up(self) -> bool:
        return self.up.done() and not self.down.done()

    # --- from the SIP stack's threads ---------------------------------------------------

    def heard(self, pcm: bytes) -> None:
        self._partial.extend(pcm)
        while len(self._partial) >= FRAME_BYTES:
            frame = bytes(self._partial[:FRAME_BYTES])
            del self._partial[:FRAME_BYTES]
            self._loop.call_soon_threadsafe(self.frames.put_nowait, frame)

    def pressed(self, digit: str) -> None:
        self._loop.call_soon_threadsafe(self.keys.put_nowait, digit)

    def answered(self) -> None:
        self._loop.call_soon_threadsafe(_settle, self.up, None)

    def ended(self, code: int, reason: str) -> None:
        self._loop.call_soon_threadsafe(_settle, self.down, Ended(code, reason))


def _settle(future: asyncio.Future[Any], value: object) -> None:
    if not future.done():
        future.set_result(value)
