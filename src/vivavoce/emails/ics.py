"""iCalendar (RFC 5545) invitations, written by hand: one VEVENT per interview session.

The UID is stable per session, so a calendar updates the entry it already holds when a
reschedule (a higher SEQUENCE) or a cancellation (METHOD:CANCEL) arrives. Pure: time is
passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PRODID = "-//vivavoce//interviews//EN"
CRLF = "\r\n"
_FOLD_AT = 75  # octets per line, CRLF excluded (RFC 5545 §3.1)


@dataclass(frozen=True)
class Event:
    """One interview in a calendar."""

    session_id: str
    starts_at: datetime
    duration: timedelta
    summary: str
    description: str
    url: str | None
    sequence: int
    stamp: datetime
    attendee_name: str | None = None
    attendee_email: str | None = None

    @property
    def uid(self) -> str:
        return uid_for(self.session_id)


def uid_for(session_id: str) -> str:
    return f"{session_id}@vivavoce"


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _param(value: str) -> str:
    """A parameter value (e.g. CN): quoted; DQUOTE and control characters cannot appear."""
    cleaned = "".join(ch for ch in value if ch >= " " and ch not in '"\x7f')
    return f'"{cleaned}"'


def utc_stamp(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, continuation lines starting
    with one space; never inside a multi-byte UTF-8 character."""
    if len(line.encode()) <= _FOLD_AT:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = _FOLD_AT
    for ch in line:
        width = len(ch.encode())
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
            limit = _FOLD_AT - 1  # the leading space of a continuation line is an octet
        current += ch
        size += width
    parts.append(current)
    return (CRLF + " ").join(parts)


def unfold(text: str) -> list[str]:
    """The content lines of a calendar (the inverse of `fold`), for readers and tests."""
    lines: list[str] = []
    for raw in text.split(CRLF):
        if raw.startswith((" ", "\t")) and lines:
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    return lines


def _calendar(method: str, body: list[str]) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        *body,
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + CRLF for line in lines)


def _event(event: Event, status: str, organizer: tuple[str, str] | None) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{utc_stamp(event.stamp)}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.starts_at + event.duration)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"DESCRIPTION:{escape_text(event.description)}",
    ]
    if event.url:
        lines.append(f"URL:{event.url}")
    if organizer is not None:
        lines.append(organizer_line(*organizer))
    if event.attendee_email:
        name = f";CN={_param(event.attendee_name)}" if event.attendee_name else ""
        lines.append(
            f"ATTENDEE{name};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE"
            f":mailto:{event.attendee_email}"
        )
    lines += [f"STATUS:{status}", "TRANSP:OPAQUE", "END:VEVENT"]
    return lines


def request(event: Event, organizer: tuple[str, str] | None = None) -> str:
    """METHOD:REQUEST — a new or updated invitation (raise `sequence` for an update)."""
    return _calendar("REQUEST", _event(event, "CONFIRMED", organizer))


def cancel(event: Event, organizer: tuple[str, str] | None = None) -> str:
    """METHOD:CANCEL — removes the entry with this UID from the attendee's calendar."""
    return _calendar("CANCEL", _event(event, "CANCELLED", organizer))


def organizer_line(name: str, address: str) -> str:
    cn = f";CN={_param(name)}" if name else ""
    return f"ORGANIZER{cn}:mailto:{address}"


def with_organizer(calendar: str, name: str, address: str) -> str:
    """Add the ORGANIZER (the From address, known only where mail is sent) to each VEVENT
    that has none; iTIP clients expect one on REQUEST and CANCEL."""
    lines = unfold(calendar)
    if any(line.startswith("ORGANIZER") for line in lines):
        return calendar
    out: list[str] = []
    for line in lines:
        out.append(line)
        if line.startswith("UID:"):
            out.append(organizer_line(name, address))
    return "".join(fold(line) + CRLF for line in out)
