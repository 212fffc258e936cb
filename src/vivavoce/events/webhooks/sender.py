"""One signed HTTP attempt of a delivery. No database here: the caller records the outcome."""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from vivavoce.kit import signing, ssrf
from vivavoce.kit.clock import utcnow


@dataclass(frozen=True)
class Request:
    url: str
    message_id: str
    body: bytes
    secrets: list[str]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int | None
    response_body: str | None
    error: str | None
    retry_after_seconds: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - utcnow()).total_seconds())


# The connection went away before any response: nothing was answered, so sending again at
# once is what a retry would do, seconds earlier (receivers dedupe on `webhook-id`).
_DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


async def send(
    client: httpx.AsyncClient,
    request: Request,
    *,
    allow_private: bool,
    timeout_seconds: float,
    response_cap: int,
) -> Outcome:
    """Resolve and check the target, sign the exact body, POST it, read a capped response."""
    try:
        target = await ssrf.resolve(request.url, allow_private)
    except ssrf.UnsafeTarget as exc:
        return Outcome(None, None, None, str(exc))
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": "vivavoce-webhooks/1",
        "host": target.host_header,
        "webhook-id": request.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.signature_header(
            request.secrets, request.message_id, timestamp, request.body
        ),
    }
    extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
    started = time.perf_counter()
    post = functools.partial(
        _post,
        client,
        target,
        request.body,
        headers,
        extensions,
        timeout_seconds,
        response_cap,
        started,
    )
    try:
        async with asyncio.timeout(timeout_seconds):  # one deadline for the whole exchange
            try:
                return await post()
            except _DROPPED:
                # A kept-alive connection the receiver closed as we reused it (servers drop
                # idle ones after a few seconds): once more at once, on a new connection,
                # instead of a failed attempt and the schedule's first delay (5 s).
                return await post()
    except (httpx.TimeoutException, TimeoutError):
        latency = int((time.perf_counter() - started) * 1000)
        return Outcome(None, latency, None, f"timed out after {timeout_seconds:g} s")
    except httpx.HTTPError as exc:
        latency = int((time.perf_counter() - started) * 1000)
        return Outcome(None, latency, None, f"{type(exc).__name__}: {exc}"[:500])


async def _post(
    client: httpx.AsyncClient,
    target: ssrf.Target,
    body: bytes,
    headers: dict[str, str],
    extensions: dict[str, str],
    timeout_seconds: float,
    response_cap: int,
    started: float,
) -> Outcome:
    async with client.stream(
        "POST",
        target.connect_url,
        content=body,
        headers=headers,
        timeout=httpx.Timeout(timeout_seconds),
        follow_redirects=False,
        extensions=extensions,
    ) as response:
        captured = bytearray()
        async for chunk in response.aiter_bytes():
            captured.extend(chunk[: response_cap - len(captured)])
            if len(captured) >= response_cap:
                break
        latency = int((time.perf_counter() - started) * 1000)
        error = None
        if 300 <= response.status_code < 400:
            error = f"redirect to {response.headers.get('location', '?')} not followed"
        elif not 200 <= response.status_code < 300:
            error = f"HTTP {response.status_code}"
        return Outcome(
            response.status_code,
            latency,
            captured.decode("utf-8", errors="replace"),
            error,
            _retry_after(response.headers.get("retry-after")),
        )
