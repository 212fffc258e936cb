"""Standard Webhooks signatures (the scheme `standardwebhooks` and `svix` verify).

secret:    `whsec_` + base64(32 random bytes)
signed:    "{webhook-id}.{webhook-timestamp}.{exact body bytes}"
signature: "v1," + base64(HMAC-SHA256(secret bytes, signed)); several, space-separated,
           while an old secret is still honoured after a rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("not a whsec_ secret")
    return base64.b64decode(secret[len(SECRET_PREFIX) :])


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(
    secrets_in_use: list[str], message_id: str, timestamp: int, body: bytes
) -> str:
    return " ".join(sign(secret, message_id, timestamp, body) for secret in secrets_in_use)


def verify(
    secret: str,
    headers: dict[str, str],
    body: bytes,
    now: float,
    tolerance_seconds: int = 300,
) -> bool:
    """Whether a request carries a valid signature of `secret` (any of several) and a
    timestamp within `tolerance_seconds` of `now` — the check a receiver makes."""
    message_id = headers.get("webhook-id", "")
    try:
        timestamp = int(headers.get("webhook-timestamp", ""))
    except ValueError:
        return False
    if not message_id or abs(now - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, message_id, timestamp, body)
    offered = headers.get("webhook-signature", "").split()
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)
