from __future__ import annotations

import uuid

import pytest

from vivavoce.kit.errors import Unprocessable
from vivavoce.kit.ids import uuid7
from vivavoce.kit.pagination import decode_cursor, encode_cursor, page_from_rows


def test_a_cursor_round_trips_to_the_same_id() -> None:
    value = uuid7()
    cursor = encode_cursor(value)
    assert decode_cursor(cursor) == value
    assert "=" not in cursor
    assert len(cursor) == 22


def test_no_cursor_means_the_first_page() -> None:
    assert decode_cursor(None) is None
    assert decode_cursor("") is None


@pytest.mark.parametrize(
    "garbage",
    ["x", "not a cursor", "AAAA", "é" * 22, "A" * 23, "%%%%", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
)
def test_a_garbage_cursor_is_unprocessable(garbage: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        decode_cursor(garbage)
    assert caught.value.status == 422
    assert caught.value.issues[0].path == ["query", "cursor"]


def test_a_page_with_more_rows_points_at_its_last_item() -> None:
    rows = [uuid7() for _ in range(4)]
    page = page_from_rows(rows, 3, lambda r: r)
    assert page.items == rows[:3]
    assert page.has_more
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor) == rows[2]


def test_the_last_page_has_no_cursor() -> None:
    rows = [uuid.uuid4() for _ in range(3)]
    page = page_from_rows(rows, 3, lambda r: r)
    assert page.items == rows
    assert not page.has_more
    assert page.next_cursor is None
    assert page_from_rows([], 3, lambda r: r).next_cursor is None
