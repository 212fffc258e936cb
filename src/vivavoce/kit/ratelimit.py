"""Budgets in memory: per-key request budgets (GCRA: a steady rate with a burst allowance),
lockouts after repeated failures, and the token bucket of one connection.

Each API process keeps its own budget; see docs/adr/0004-rate-limits.md for why and for
what that means behind a load balancer.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after: int


class RateLimiter:
    def __init__(self, per_minute: int, burst: int, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self.interval = 60.0 / per_minute
        self.burst = burst
        self.tolerance = self.interval * (burst - 1)
        self.max_keys = max_keys
        self._tat: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, key: str, now: float) -> Decision:
        with self._lock:
            tat = max(self._tat.get(key, now), now)
            allow_at = tat - self.tolerance
            if now < allow_at:
                retry = allow_at - now
                remaining = 0
                return Decision(
                    False, self.burst, remaining, math.ceil(tat - now), math.ceil(retry)
                )
            new_tat = tat + self.interval
            if len(self._tat) >= self.max_keys:
                self._evict(now)
            self._tat[key] = new_tat
            remaining = int((self.tolerance - (new_tat - now - self.interval)) / self.interval)
            remaining = max(0, min(self.burst - 1, remaining))
            return Decision(True, self.burst, remaining, math.ceil(new_tat - now), 0)

    def _evict(self, now: float) -> None:
        for key in [k for k, v in self._tat.items() if v <= now]:
            del self._tat[key]


class Lockout:
    """Counts failures (e.g. unknown join tokens) per key; past `burst` failures faster than
    `per_minute`, the key is locked out until its budget refills. Successes cost nothing, so
    a candidate reloading their own link is never held back, while a client guessing tokens
    gets a handful of tries a minute: with 192-bit join tokens, hopeless."""

    def __init__(self, per_minute: int, burst: int, max_keys: int = 100_000) -> None:
        self._failures = RateLimiter(per_minute, burst, max_keys)
        self._locked: dict[str, float] = {}
        self._max_keys = max_keys
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: float) -> int:
        """Seconds until `key` may try again; 0 when it is not locked out."""
        with self._lock:
            until = self._locked.get(key, 0.0)
            if until <= now:
                self._locked.pop(key, None)
                return 0
            return max(1, math.ceil(until - now))

    def failed(self, key: str, now: float) -> int:
        """Record a failure; the lockout in seconds it caused (0: none)."""
        decision = self._failures.check(key, now)
        if decision.allowed:
            return 0
        with self._lock:
            if len(self._locked) >= self._max_keys:
                for stale in [k for k, v in self._locked.items() if v <= now]:
                    del self._locked[stale]
            self._locked[key] = now + decision.retry_after
        return decision.retry_after


class TokenBucket:
    """One budget, not keyed (one connection's frames or audio bytes): holds up to `capacity`
    tokens, starts full and refills at `refill_per_second`. Not thread-safe: for one task."""

    def __init__(self, capacity: float, refill_per_second: float, now: float) -> None:
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self._tokens = capacity
        self._refilled = now

    def take(self, amount: float, now: float) -> bool:
        """Spend `amount` tokens if the bucket holds that many (else spend none)."""
        self._tokens = min(
            self.capacity, self._tokens + (now - self._refilled) * self.refill_per_second
        )
        self._refilled = now
        if amount > self._tokens:
            return False
        self._tokens -= amount
        return True
