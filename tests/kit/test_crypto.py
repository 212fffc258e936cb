from __future__ import annotations

import hashlib

from vivavoce.kit.crypto import constant_time_equal, derive_token, digest, random_token


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
