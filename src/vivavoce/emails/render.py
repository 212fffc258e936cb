"""Email bodies: a subject, a plain-text body and an HTML body per message kind.

Pure: Jinja2 templates from `emails/templates/`, autoescaped for HTML, with the evaluation
template's branding (logo and accent colour). Times are formatted here, in the candidate's
timezone with the zone named, and in UTC beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined

INVITE = "invite"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"
REMINDER = "reminder"
OTP = "otp"
APPLICATION_RECEIVED = "application_received"
APPLICATION_REJECTED = "application_rejected"
KINDS = (
    INVITE,
    RESCHEDULED,
    CANCELLED,
    REMINDER,
    OTP,
    APPLICATION_RECEIVED,
    APPLICATION_REJECTED,
)

DEFAULT_COLOR = "#2F5BEA"
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_LOGO = re.compile(r"^https?://[^\s\"'<>]+$")
_TEMPLATES = Path(__file__).parent / "templates"
_SUBJECT_MAX = 300  # the column's width


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Branding:
    """The evaluation template's `branding`, checked again here because it lands in HTML
    attributes: a colour that is not `#rrggbb` or a logo that is not http(s) is ignored."""

    logo_url: str | None = None
    color: str = DEFAULT_COLOR

    @classmethod
    def of(cls, branding: Mapping[str, Any] | None) -> Branding:
        branding = branding or {}
        logo = branding.get("logo_url")
        color = branding.get("primary_color")
        return cls(
            logo_url=logo if isinstance(logo, str) and _LOGO.match(logo) else None,
            color=color if isinstance(color, str) and _COLOR.match(color) else DEFAULT_COLOR,
        )


@dataclass(frozen=True)
class When:
    """A session time for people: `local` in their zone (with the zone's name), `utc`."""

    local: str
    utc: str
    zone: str

    @property
    def is_utc(self) -> bool:
        return self.local == self.utc


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _long(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}, {moment:%H:%M}"


def when(at: datetime, timezone: str) -> When:
    """`at` in `timezone` ("Tuesday 1 December 2026, 09:30 CET (Europe/Berlin)") and in UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    zone = _zone(timezone)
    local = at.astimezone(zone)
    utc = at.astimezone(UTC)
    utc_text = f"{_long(utc)} UTC"
    if zone.key in ("UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu"):
        return When(local=utc_text, utc=utc_text, zone="UTC")
    abbreviation = local.tzname() or ""
    label = zone.key if abbreviation in ("", zone.key) else f"{abbreviation} ({zone.key})"
    return When(local=f"{_long(local)} {label}", utc=utc_text, zone=zone.key)


@lru_cache(maxsize=1)
def _environments() -> tuple[Environment, Environment]:
    loader = FileSystemLoader(_TEMPLATES)
    # The templates ship with the package: no stat() of each file on every render.
    html = Environment(
        loader=loader,
        auto_reload=False,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    text = Environment(
        loader=loader,
        auto_reload=False,
        autoescape=False,  # noqa: S701 — plain-text bodies and subjects, never HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return html, text


def _variables(context: Mapping[str, Any], branding: Branding) -> dict[str, Any]:
    variables = dict(context)
    scheduled_at = context.get("scheduled_at")
    timezone = str(context.get("timezone") or "UTC")
    variables["when"] = when(scheduled_at, timezone) if scheduled_at is not None else None
    previous = context.get("previous_scheduled_at")
    variables["previous_when"] = when(previous, timezone) if previous is not None else None
    variables["branding"] = branding
    for key in ("candidate_name", "role", "stage_name", "reason", "join_url", "lead"):
        variables.setdefault(key, None)
    return variables


def _one_line(value: str) -> str:
    return " ".join(value.split())[:_SUBJECT_MAX]


def _tidy(text: str) -> str:
    """At most one blank line in a row; no trailing spaces; one final newline."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"


def render(
    kind: str, context: Mapping[str, Any], branding: Mapping[str, Any] | None = None
) -> Rendered:
    """Render one message. `context` keys by kind:

    - all: `candidate_name` (may be None), `role` (the template name)
    - invite, rescheduled, reminder, cancelled: `join_url` (not for cancelled),
      `scheduled_at` (aware datetime or None: the link works any time), `timezone` (IANA),
      `stage_name`, `duration_minutes`; rescheduled: optional `previous_scheduled_at`;
      reminder: `lead` ("24h" or "1h")
    - otp: `code`, `expires_minutes`
    - application_rejected: optional `reason` (shown to the candidate)
    """
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    html_env, text_env = _environments()
    variables = _variables(context, Branding.of(branding))
    subject = text_env.get_template(f"{kind}.subject.txt").render(variables)
    text = text_env.get_template(f"{kind}.txt").render(variables)
    html = html_env.get_template(f"{kind}.html").render(variables)
    return Rendered(subject=_one_line(subject), text=_tidy(text), html=html.strip() + "\n")
