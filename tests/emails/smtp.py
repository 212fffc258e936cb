"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert part is not None
        return str(part.get_content())

    def attachments(self) -> list[EmailMessage]:
        return list(self.message.iter_attachments())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class SmtpServer:
    port: int = field(default_factory=free_port)
    refuse: set[str] = field(default_factory=set)  # recipients answered with a 550
    delivered: list[Delivered] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    # aiosmtpd handler hooks (run on the controller's own thread and loop)
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self._lock:
            self.delivered.append(Delivered(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Delivered]:
        with self._lock:
            return [d for d in self.delivered if address in d.rcpt_tos]

    async def wait_for(self, address: str, count: int = 1, within: float = 20) -> list[Delivered]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"{count} message(s) to {address} expected, got {self.to(address)}")


async def eventually(check: Callable[[], Any], within: float = 20, every: float = 0.1) -> Any:
    """Await `check()` (sync or async) until it returns something truthy."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"condition not met within {within}s (last: {last!r})")
