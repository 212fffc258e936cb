"""Secrets: random tokens, digests for storing them, keyed derivations under a rotating key.

`VIVAVOCE_SECRET_KEY` is a list, newest first, comma-separated (`new,old`). Every use of it
has its own purpose ("join", "recording", "csrf", "seal", …), and each purpose gets its own
key, derived from a secret with HKDF-SHA256 (RFC 5869, info `vivavoce/<purpose>`). Signing and
sealing use the first secret; checking and unsealing accept any secret of the list, so a new
key can be put in front and the old one removed once what it signed has expired (see
docs/operations.md, "Rotating the secret key").

What was made before purpose keys existed (an HMAC keyed by the secret itself, a sealing key
of SHA-256 over it) is still accepted when checking and unsealing: join links that were
emailed, sealed webhook secrets and live sign-ins keep working across the upgrade.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_SEAL_PURPOSE = "seal"
_LEGACY_SEAL = "v1:"  # AES-GCM under SHA-256("vivavoce-seal:" + secret)
_SEAL = "v2:"  # AES-GCM under the secret's HKDF key for "seal"


def random_token(num_bytes: int = 32) -> str:
    """URL-safe random text with `num_bytes` bytes of entropy."""
    return secrets.token_urlsafe(num_bytes)


def digest(token: str) -> str:
    """SHA-256 hex digest under which a high-entropy secret is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


def secret_keys(secret_key: str) -> tuple[str, ...]:
    """The secrets of a `VIVAVOCE_SECRET_KEY` value, newest first."""
    keys = tuple(part.strip() for part in secret_key.split(",") if part.strip())
    if not keys:
        raise ValueError("the secret key is empty")
    return keys


@functools.lru_cache(maxsize=256)
def purpose_key(secret: str, purpose: str) -> bytes:
    """The 32-byte key of one purpose under one secret (HKDF-SHA256, no salt)."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"vivavoce/{purpose}".encode()
    )
    return hkdf.derive(secret.encode())


def keyed_digest(secret_key: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 hex of `value` under the newest secret's key for `purpose`."""
    key = purpose_key(secret_keys(secret_key)[0], purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _token(key: bytes, message: str, num_bytes: int) -> str:
    mac = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:num_bytes]).rstrip(b"=").decode()


def derive_token(secret_key: str, purpose: str, subject: str, num_bytes: int = 24) -> str:
    """A URL-safe token bound to `subject` that only holders of the secret can recompute
    (made with the newest secret).

    Used where a link must be shown again later (join links) while the database keeps only
    its digest: a leaked database does not reveal working links.
    """
    return _token(purpose_key(secret_keys(secret_key)[0], purpose), subject, num_bytes)


def candidate_tokens(
    secret_key: str, purpose: str, subject: str, num_bytes: int = 24
) -> Iterator[str]:
    """Every token `derive_token` makes or once made for `subject`: each secret's purpose
    key, newest first, then the pre-HKDF derivation under each secret."""
    keys = secret_keys(secret_key)
    for secret in keys:
        yield _token(purpose_key(secret, purpose), subject, num_bytes)
    for secret in keys:
        yield _token(secret.encode(), f"{purpose}:{subject}", num_bytes)


def token_matches(
    secret_key: str, purpose: str, subject: str, given: str, num_bytes: int = 24
) -> bool:
    """Whether `given` was made by `derive_token` for `subject` under any listed secret."""
    matches = [
        constant_time_equal(candidate, given)
        for candidate in candidate_tokens(secret_key, purpose, subject, num_bytes)
    ]
    return any(matches)  # every candidate compared: the time does not tell which matched


def seal(secret_key: str, plaintext: str) -> str:
    """Encrypt a secret the service must use again later (webhook signing secrets).

    AES-256-GCM under the newest secret's key for sealing; a leaked database alone does not
    reveal the secrets."""
    nonce = secrets.token_bytes(12)
    key = purpose_key(secret_keys(secret_key)[0], _SEAL_PURPOSE)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode(), b"vivavoce")
    return _SEAL + base64.urlsafe_b64encode(nonce + ciphertext).decode()


_SEALED_BYTES = b"vvsealed1:"  # AES-GCM of bytes under the secret's HKDF key for a purpose


def seal_bytes(secret_key: str, purpose: str, plaintext: bytes) -> bytes:
    """Encrypt bytes kept for a while and read back by the service (stored replies) under the
    newest secret's key for `purpose`."""
    nonce = secrets.token_bytes(12)
    key = purpose_key(secret_keys(secret_key)[0], purpose)
    return _SEALED_BYTES + nonce + AESGCM(key).encrypt(nonce, plaintext, purpose.encode())


def is_sealed_bytes(data: bytes) -> bool:
    return data.startswith(_SEALED_BYTES)


def unseal_bytes(secret_key: str, purpose: str, sealed: bytes) -> bytes:
    """The plaintext of `seal_bytes`, under whichever listed secret sealed it; ValueError when
    none did or the bytes were not sealed."""
    if not is_sealed_bytes(sealed):
        raise ValueError("not sealed bytes")
    raw = sealed[len(_SEALED_BYTES) :]
    for secret in secret_keys(secret_key):
        try:
            return AESGCM(purpose_key(secret, purpose)).decrypt(
                raw[:12], raw[12:], purpose.encode()
            )
        except InvalidTag:
            continue
    raise ValueError("sealed under a secret key that is no longer listed")


def _legacy_sealing_key(secret: str) -> bytes:
    return hashlib.sha256(f"vivavoce-seal:{secret}".encode()).digest()


def unseal(secret_key: str, sealed: str) -> str:
    """The plaintext of `seal`, under whichever listed secret sealed it; ValueError when
    none did (the secret that sealed it was removed from the list) or the format is unknown."""
    if sealed.startswith(_SEAL):
        keys = [purpose_key(secret, _SEAL_PURPOSE) for secret in secret_keys(secret_key)]
    elif sealed.startswith(_LEGACY_SEAL):
        keys = [_legacy_sealing_key(secret) for secret in secret_keys(secret_key)]
    else:
        raise ValueError("unknown sealed format")
    raw = base64.urlsafe_b64decode(sealed[3:])
    for key in keys:
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], b"vivavoce").decode()
        except InvalidTag:
            continue
    raise ValueError("sealed under a secret key that is no longer listed")


def reseal(secret_key: str, sealed: str) -> str | None:
    """`sealed` sealed again under the newest secret, or None when it already is; ValueError
    when no listed secret opens it."""
    if sealed.startswith(_SEAL):
        raw = base64.urlsafe_b64decode(sealed[3:])
        newest = purpose_key(secret_keys(secret_key)[0], _SEAL_PURPOSE)
        try:
            AESGCM(newest).decrypt(raw[:12], raw[12:], b"vivavoce")
        except InvalidTag:
            pass
        else:
            return None
    return seal(secret_key, unseal(secret_key, sealed))
