"""Signed recording links: `recording_url` (and `answer_url`, one recorded answer of a
one-way assessment) works without an API key for one hour. Signed here, where a session's
public form is built; checked by `voice.service` when the audio is fetched.

The signature is an HMAC (kit.crypto, under the secret key's "recording" purpose key) over
the session id and the expiry time, so a link cannot be re-pointed at another session or
extended. Links are signed with the newest secret and checked against every listed one, so
putting a new key in front keeps live links working; removing a key revokes its links.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from vivavoce.kit import crypto

LINK_SECONDS = 3600
PURPOSE = "recording"


def signature(secret_key: str, session_id: uuid.UUID, expires: int) -> str:
    return crypto.derive_token(secret_key, PURPOSE, f"{session_id}:{expires}", num_bytes=32)


def recording_url(base_url: str, secret_key: str, session_id: uuid.UUID, now: datetime) -> str:
    expires = int(now.timestamp()) + LINK_SECONDS
    sig = signature(secret_key, session_id, expires)
    path = f"/api/v1/recordings/{session_id}.wav"
    return f"{base_url.rstrip('/')}{path}?expires={expires}&signature={sig}"


def link_valid(
    secret_key: str, session_id: uuid.UUID, expires: int, given: str, now: datetime
) -> bool:
    """True for an untampered link that has not expired."""
    return _valid(secret_key, f"{session_id}:{expires}", expires, given, now)


def _valid(secret_key: str, subject: str, expires: int, given: str, now: datetime) -> bool:
    if len(given) > 100 or expires < now.timestamp():
        return False
    return crypto.token_matches(secret_key, PURPOSE, subject, given, num_bytes=32)


def _answer_subject(session_id: uuid.UUID, index: int, expires: int) -> str:
    return f"{session_id}:answer:{index}:{expires}"


def answer_url(
    base_url: str, secret_key: str, session_id: uuid.UUID, index: int, now: datetime
) -> str:
    """The link to one recorded answer of a one-way assessment (the turn at `index`)."""
    expires = int(now.timestamp()) + LINK_SECONDS
    sig = crypto.derive_token(
        secret_key, PURPOSE, _answer_subject(session_id, index, expires), num_bytes=32
    )
    path = f"/api/v1/recordings/{session_id}/answers/{index}"
    return f"{base_url.rstrip('/')}{path}?expires={expires}&signature={sig}"


def answer_link_valid(
    secret_key: str, session_id: uuid.UUID, index: int, expires: int, given: str, now: datetime
) -> bool:
    return _valid(secret_key, _answer_subject(session_id, index, expires), expires, given, now)
