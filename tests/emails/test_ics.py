"""The .ics writer is pure; what it writes parses back, and its raw lines follow RFC 5545."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from vivavoce.emails import ics

START = datetime(2035, 3, 6, 14, 30, tzinfo=UTC)


def event(**changes: object) -> ics.Event:
    values: dict[str, object] = {
        "session_id": "0195e1c2-0000-7000-8000-000000000001",
        "starts_at": START,
        "duration": timedelta(minutes=45),
        "summary": "Screen interview: Backend engineer",
        "description": "Join your interview: https://x.example/join/abc",
        "url": "https://x.example/join/abc",
        "sequence": 0,
        "stamp": datetime(2035, 3, 1, 8, 0, tzinfo=UTC),
        "attendee_name": "Grace Hopper",
        "attendee_email": "grace@example.com",
    }
    values.update(changes)
    return ics.Event(**values)  # type: ignore[arg-type]


def parse(text: str) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(text)
    events = calendar.events
    assert len(events) == 1
    return calendar, events[0]


def test_a_request_parses_with_the_session_uid_and_utc_times() -> None:
    calendar, vevent = parse(ics.request(event()))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(vevent["UID"]) == "0195e1c2-0000-7000-8000-000000000001@vivavoce"
    assert vevent.decoded("DTSTART") == START
    assert vevent.decoded("DTEND") == START + timedelta(minutes=45)
    assert int(vevent.decoded("SEQUENCE")) == 0
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["URL"]) == "https://x.example/join/abc"
    assert "https://x.example/join/abc" in str(vevent["DESCRIPTION"])
    assert str(vevent["ATTENDEE"]) == "mailto:grace@example.com"


def test_a_cancellation_keeps_the_uid_and_cancels() -> None:
    calendar, vevent = parse(ics.cancel(event(sequence=3)))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["UID"]).startswith("0195e1c2-")
    assert int(vevent.decoded("SEQUENCE")) == 3


def test_lines_end_in_crlf_and_fold_at_75_octets_without_splitting_characters() -> None:
    long_text = "Entretien d'évaluation — équipe 面接 plateforme, données; niveau: senior " * 6
    text = ics.request(event(summary=long_text, description=long_text))
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        raw = line.encode()
        assert len(raw) <= 75
        raw.decode()  # a fold never cuts a UTF-8 sequence
    assert any(line.startswith(" ") for line in text.split("\r\n"))
    _, vevent = parse(text)
    assert str(vevent["SUMMARY"]) == long_text


def test_commas_semicolons_backslashes_and_newlines_are_escaped() -> None:
    description = "Line one, with; punctuation\\ and\nline two\r\nline three"
    text = ics.request(event(description=description))
    unfolded = text.replace("\r\n ", "")  # RFC 5545 §3.1 unfolding
    assert "DESCRIPTION:Line one\\, with\\; punctuation\\\\ and\\nline two\\nline three" in unfolded
    _, vevent = parse(text)
    assert str(vevent["DESCRIPTION"]) == "Line one, with; punctuation\\ and\nline two\nline three"


def test_the_organizer_is_added_once_where_mail_is_sent() -> None:
    text = ics.with_organizer(ics.request(event()), "Acme Talent", "talent@acme.example")
    assert ics.with_organizer(text, "Other", "other@example.com") == text
    _, vevent = parse(text)
    assert str(vevent["ORGANIZER"]) == "mailto:talent@acme.example"
    assert vevent["ORGANIZER"].params["CN"] == "Acme Talent"


def test_a_quote_in_a_name_cannot_break_the_parameter() -> None:
    text = ics.request(event(attendee_name='Grace "Amazing" Hopper; ROLE=CHAIR'))
    _, vevent = parse(text)
    assert str(vevent["ATTENDEE"]) == "mailto:grace@example.com"
    assert vevent["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"
