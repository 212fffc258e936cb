"""Jinja filters for the dashboard: times shown relative ("3 minutes ago") with the exact
UTC time on hover, and labels for machine values."""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup, escape

from vivavoce.kit.clock import utcnow


def _parse(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def relative(moment: datetime, now: datetime) -> str:
    seconds = (now - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now" if not future else "in a few seconds"
    for size, unit in (
        (86400 * 365, "year"),
        (86400 * 30, "month"),
        (86400, "day"),
        (3600, "hour"),
        (60, "minute"),
    ):
        if seconds >= size * 0.95:
            count = max(1, round(seconds / size))
            label = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {label}" if future else f"{label} ago"
    return "just now"


def exact(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def when(value: str | datetime | None, empty: str = "—") -> Markup:
    """`<time>` with the relative text, the exact time as its title; `empty` when unset."""
    moment = _parse(value)
    if moment is None:
        return Markup('<span class="muted">{}</span>').format(empty)
    iso = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Markup('<time datetime="{}" title="{}" data-relative>{}</time>').format(
        iso, exact(moment), relative(moment, utcnow())
    )


# API words whose plain reading says nothing to a recruiter.
WORDS = {
    "custom_api": "Other (set through the API)",
    "hire_no_hire": "Hire or no hire",
    "admit_reject": "Admit or reject",
    "pass_fail": "Pass or fail",
    "ready_needs_training": "Ready or needs training",
    "certified_not_certified": "Certified or not",
    "auto_advance": "Invite to the next stage automatically",
    "require_reviewer_approval": "Wait for a reviewer to approve",
    "voice_or_text": "Voice or text",
    "public_template": "Public",
    "api": "API",
    "ats": "ATS",
}


def label(value: object) -> str:
    """`in_progress` → `In progress`; the API words of `WORDS` in people's words."""
    if value is None:
        return "—"
    if str(value) in WORDS:
        return WORDS[str(value)]
    text = str(value).replace("_", " ")
    text = text[:1].upper() + text[1:]
    return "AI" + text[2:] if text.startswith("Ai ") else text


def badge(value: object) -> Markup:
    """A status badge; its colour comes from the value (`badge-completed`, …)."""
    if value is None or value == "":
        return Markup('<span class="muted">—</span>')
    css = "".join(c if c.isalnum() else "-" for c in str(value).lower())
    return Markup('<span class="badge badge-{}">{}</span>').format(css, escape(label(value)))


# Why a session ended, in people's words (the machine value stays in the title).
END_REASONS = {
    "candidate_ended": "the candidate ended it early",
    "disconnected": "the candidate's connection was lost",
    "technical_failure": "a technical failure on our side",
}


def session_status(status: object, end_reason: object = None) -> Markup:
    """A session's status as every page shows it: the badge, and for a session that did not
    finish, why (`failed` · "the candidate ended it early")."""
    shown = badge(status)
    reason = END_REASONS.get(str(end_reason or ""))
    if reason is None or status not in ("failed", "cancelled"):
        return shown
    return Markup('{} <span class="status-reason" title="{}">{}</span>').format(
        shown, end_reason, reason
    )


_TECHNICAL_SUFFIXES = ("_hash", "_digest", "_ms", "_id", "_agent", "_version")


def technical(key: object) -> bool:
    """Keys only an engineer reads (hashed addresses, millisecond timings, ids): the
    dashboard keeps them under a collapsed "Technical details"."""
    return str(key).endswith(_TECHNICAL_SUFFIXES) or str(key) in {"ip", "fingerprint"}
