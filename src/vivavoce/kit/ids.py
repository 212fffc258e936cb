"""Identifiers: UUIDv7 for rows (they sort by creation) and `evt_` ids for events."""

from __future__ import annotations

import os
import threading
import time
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last_ms = 0
_seq = 0


def uuid7() -> uuid.UUID:
    """A version-7 UUID; monotonic within this process (12-bit counter per millisecond)."""
    global _last_ms, _seq
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            _seq += 1
            if _seq > 0xFFF:
                _last_ms += 1
                _seq = 0
            ms = _last_ms
        else:
            _last_ms = ms
            _seq = int.from_bytes(os.urandom(2), "big") & 0x3FF
        seq = _seq
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= seq << 64
    value |= 0b10 << 62
    value |= rand
    return uuid.UUID(int=value)


def ulid_string(value: uuid.UUID) -> str:
    """The 26-character Crockford base32 form of a 128-bit id (sortable like a ULID)."""
    number = value.int
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[number & 0x1F])
        number >>= 5
    return "".join(reversed(chars))


def new_event_id() -> str:
    return "evt_" + ulid_string(uuid7())
