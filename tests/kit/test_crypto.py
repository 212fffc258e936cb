from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vivavoce.kit.crypto import (
    constant_time_equal,
    derive_token,
    digest,
    purpose_key,
    random_token,
    seal,
    seal_bytes,
    secret_keys,
    token_matches,
    unseal,
    unseal_bytes,
)


def test_random_tokens_are_url_safe_and_distinct() -> None:
    tokens = {random_token() for _ in range(1_000)}
    assert len(tokens) == 1_000
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert all(set(t) <= alphabet for t in tokens)
    assert len(random_token(32)) == 43


def test_digest_is_sha256_hex_of_the_token() -> None:
    assert digest("vv_live_abc") == hashlib.sha256(b"vv_live_abc").hexdigest()
    assert digest("a") != digest("b")


def test_derived_tokens_are_stable_and_bound_to_key_purpose_and_subject() -> None:
    token = derive_token("secret-one", "join", "session-1")
    assert token == derive_token("secret-one", "join", "session-1")
    assert token != derive_token("secret-two", "join", "session-1")
    assert token != derive_token("secret-one", "other", "session-1")
    assert token != derive_token("secret-one", "join", "session-2")
    assert len(token) == 32  # 24 bytes, base64 without padding
    assert "=" not in token


def test_constant_time_equal_compares_text() -> None:
    assert constant_time_equal("abc", "abc")
    assert not constant_time_equal("abc", "abd")
    assert not constant_time_equal("abc", "abcd")
    assert constant_time_equal("ünïcode", "ünïcode")


OLD, NEW = "old-secret-" + "o" * 32, "new-secret-" + "n" * 32


def legacy_token(secret: str, purpose: str, subject: str, num_bytes: int = 24) -> str:
    """How tokens were derived before purpose keys (an HMAC keyed by the secret itself)."""
    mac = hmac.new(secret.encode(), f"{purpose}:{subject}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:num_bytes]).rstrip(b"=").decode()


def legacy_seal(secret: str, plaintext: str) -> str:
    key = hashlib.sha256(f"vivavoce-seal:{secret}".encode()).digest()
    nonce = b"\x01" * 12
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), b"vivavoce")
    return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def test_each_purpose_has_its_own_hkdf_key() -> None:
    assert purpose_key(NEW, "join") != purpose_key(NEW, "csrf")
    assert purpose_key(NEW, "join") != purpose_key(OLD, "join")
    assert len(purpose_key(NEW, "seal")) == 32
    assert derive_token(NEW, "join", "s") != legacy_token(NEW, "join", "s")


def test_a_key_list_signs_with_the_first_and_accepts_any() -> None:
    made_before = derive_token(OLD, "recording", "s:1")
    assert secret_keys(f" {NEW} , {OLD} ") == (NEW, OLD)
    assert derive_token(f"{NEW},{OLD}", "recording", "s:1") == derive_token(NEW, "recording", "s:1")
    assert token_matches(f"{NEW},{OLD}", "recording", "s:1", made_before)
    assert not token_matches(NEW, "recording", "s:1", made_before)  # the old key removed
    assert not token_matches(f"{NEW},{OLD}", "recording", "s:2", made_before)
    assert not token_matches(f"{NEW},{OLD}", "join", "s:1", made_before)


def test_tokens_made_before_the_upgrade_still_match() -> None:
    assert token_matches(OLD, "join", "session-1", legacy_token(OLD, "join", "session-1"))
    assert token_matches(f"{NEW},{OLD}", "otp", "r:1", legacy_token(OLD, "otp", "r:1"))
    assert not token_matches(NEW, "join", "session-1", legacy_token(OLD, "join", "session-1"))


def test_sealed_secrets_survive_a_key_rotation_and_the_upgrade() -> None:
    sealed = seal(OLD, "whsec_abc")
    assert sealed.startswith("v2:")
    assert unseal(f"{NEW},{OLD}", sealed) == "whsec_abc"
    assert unseal(f"{NEW},{OLD}", seal(f"{NEW},{OLD}", "x")) == "x"
    assert unseal(NEW, seal(f"{NEW},{OLD}", "x")) == "x"  # sealed with the newest
    assert unseal(f"{NEW},{OLD}", legacy_seal(OLD, "whsec_legacy")) == "whsec_legacy"
    with pytest.raises(ValueError, match="no longer listed"):
        unseal(NEW, sealed)
    with pytest.raises(ValueError, match="unknown sealed format"):
        unseal(NEW, "v9:abc")
    with pytest.raises(ValueError, match="empty"):
        secret_keys(" , ")


def test_sealed_bytes_open_under_any_listed_secret_and_only_for_their_purpose() -> None:
    sealed = seal_bytes("old-secret", "replay", b'{"secret": "whsec_x"}')
    assert b"whsec_x" not in sealed
    assert unseal_bytes("new-secret,old-secret", "replay", sealed) == b'{"secret": "whsec_x"}'
    with pytest.raises(ValueError):
        unseal_bytes("new-secret", "replay", sealed)  # the sealing secret was removed
    with pytest.raises(ValueError):
        unseal_bytes("old-secret", "another purpose", sealed)
    with pytest.raises(ValueError):
        unseal_bytes("old-secret", "replay", b'{"plain": true}')
