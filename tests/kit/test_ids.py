from __future__ import annotations

import itertools
import time
import uuid

import pytest

from vivavoce.kit.ids import new_event_id, ulid_string, uuid7


def test_uuid7_has_version_7_and_the_rfc_variant() -> None:
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7_carries_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    assert before <= value.int >> 80 <= after + 1


def test_ten_thousand_uuid7_are_strictly_increasing() -> None:
    values = [uuid7() for _ in range(10_000)]
    assert all(a < b for a, b in itertools.pairwise(values))
    assert len(set(values)) == len(values)
    # The database sorts uuid columns by their bytes: the same order.
    assert [v.bytes for v in values] == sorted(v.bytes for v in values)


def test_event_ids_sort_in_creation_order() -> None:
    ids = [new_event_id() for _ in range(2_000)]
    assert ids == sorted(ids)
    assert all(i.startswith("evt_") and len(i) == 30 for i in ids)


def test_ulid_string_preserves_order_and_is_crockford_base32() -> None:
    low, high = uuid.UUID(int=1), uuid.UUID(int=(1 << 128) - 1)
    assert ulid_string(uuid.UUID(int=0)) == "0" * 26
    assert ulid_string(high) == "7" + "Z" * 25
    assert ulid_string(low) < ulid_string(high)
    assert set(ulid_string(uuid7())) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def test_uuid7_stays_ordered_when_the_clock_stalls_or_goes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = uuid7()
    frozen = (start.int >> 80) * 1_000_000
    monkeypatch.setattr("vivavoce.kit.ids.time.time_ns", lambda: frozen)
    stalled = [uuid7() for _ in range(5_000)]  # more than the 12-bit counter holds
    monkeypatch.setattr("vivavoce.kit.ids.time.time_ns", lambda: frozen - 60_000_000_000)
    backwards = [uuid7() for _ in range(10)]
    values = [start, *stalled, *backwards]
    assert all(a < b for a, b in itertools.pairwise(values))
    assert all(v.version == 7 for v in values)
