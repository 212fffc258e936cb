"""Secrets: random tokens, digests for storing them, keyed derivations."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def random_token(num_bytes: int = 32) -> str:
    """URL-safe random text with `num_bytes` bytes of entropy."""
    return secrets.token_urlsafe(num_bytes)


def digest(token: str) -> str:
    """SHA-256 hex digest under which a high-entropy secret is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def derive_token(secret_key: str, purpose: str, subject: str, num_bytes: int = 24) -> str:
    """A URL-safe token bound to `subject` that only holders of `secret_key` can recompute.

    Used where a link must be shown again later (join links) while the database keeps only
    its digest: a leaked database does not reveal working links.
    """
    mac = hmac.new(secret_key.encode(), f"{purpose}:{subject}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:num_bytes]).rstrip(b"=").decode()


def constant_time_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


def _sealing_key(secret_key: str) -> bytes:
    return hashlib.sha256(f"vivavoce-seal:{secret_key}".encode()).digest()


def seal(secret_key: str, plaintext: str) -> str:
    """Encrypt a secret the service must use again later (webhook signing secrets).

    AES-256-GCM under a key derived from `secret_key`; a leaked database alone does not
    reveal the secrets."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    ciphertext = AESGCM(_sealing_key(secret_key)).encrypt(nonce, plaintext.encode(), b"vivavoce")
    return "v1:" + base64.urlsafe_b64encode(nonce + ciphertext).decode()


def unseal(secret_key: str, sealed: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not sealed.startswith("v1:"):
        raise ValueError("unknown sealed format")
    raw = base64.urlsafe_b64decode(sealed[3:])
    plaintext = AESGCM(_sealing_key(secret_key)).decrypt(raw[:12], raw[12:], b"vivavoce")
    return plaintext.decode()
