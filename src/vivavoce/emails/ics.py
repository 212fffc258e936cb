"""iCalendar (RFC 5545) invitations, written with `icalendar`: one VEVENT per interview session.

The UID is stable per session, so a calendar updates the entry it already holds when a
reschedule (a higher SEQUENCE) or a cancellation (METHOD:CANCEL) arrives. The library
escapes text, quotes parameters and folds lines at 75 octets. Pure: time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar

PRODID = "-//vivavoce//interviews//EN"


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


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _printable(value: str) -> str:
    """A parameter value (CN): DQUOTE and control characters cannot appear in one."""
    return "".join(ch for ch in value if ch >= " " and ch not in '"\x7f')


def _address(email: str, name: str | None, **params: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = _printable(name)
    for key, value in params.items():
        address.params[key] = value
    return address


def _vevent(event: Event, status: str) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", _utc(event.stamp))
    vevent.add("dtstart", _utc(event.starts_at))
    vevent.add("dtend", _utc(event.starts_at + event.duration))
    vevent.add("summary", event.summary)
    vevent.add("description", event.description.replace("\r\n", "\n").replace("\r", "\n"))
    if event.url:
        vevent.add("url", event.url)
    if event.attendee_email:
        attendee = _address(
            event.attendee_email,
            event.attendee_name,
            ROLE="REQ-PARTICIPANT",
            PARTSTAT="NEEDS-ACTION",
            RSVP="FALSE",
        )
        vevent.add("attendee", attendee, encode=False)
    vevent.add("status", status)
    vevent.add("transp", "OPAQUE")
    return vevent


def _calendar(method: str, vevent: icalendar.Event) -> str:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(vevent)
    text: str = calendar.to_ical().decode()
    return text


def request(event: Event) -> str:
    """METHOD:REQUEST — a new or updated invitation (raise `sequence` for an update)."""
    return _calendar("REQUEST", _vevent(event, "CONFIRMED"))


def cancel(event: Event) -> str:
    """METHOD:CANCEL — removes the entry with this UID from the attendee's calendar."""
    return _calendar("CANCEL", _vevent(event, "CANCELLED"))


def with_organizer(calendar: str, name: str, address: str) -> str:
    """Add the ORGANIZER (the From address, known only where mail is sent) to each VEVENT
    that has none; iTIP clients expect one on REQUEST and CANCEL."""
    parsed = icalendar.Calendar.from_ical(calendar)
    events = list(parsed.walk("VEVENT"))
    if all("ORGANIZER" in vevent for vevent in events):
        return calendar
    for vevent in events:
        if "ORGANIZER" not in vevent:
            vevent.add("organizer", _address(address, name), encode=False)
    text: str = parsed.to_ical().decode()
    return text
