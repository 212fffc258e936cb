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
