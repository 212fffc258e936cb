"""Time helpers. Pure code takes `now` as an argument; only edges call `utcnow()`."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat_z(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with a `Z`, whole seconds (`2026-06-02T07:48:31Z`), as every API and
    webhook time is written: clients parse it with `strptime("%Y-%m-%dT%H:%M:%SZ")`."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
