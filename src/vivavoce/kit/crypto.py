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
