"""Rendering is pure: no database, no clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from vivavoce.emails.render import DEFAULT_COLOR, KINDS, render, when

AT = datetime(2035, 3, 6, 14, 30, tzinfo=UTC)


def session_context(**extra: Any) -> dict[str, Any]:
    return {
        "candidate_name": "Grace Hopper",
        "role": "Backend engineer",
        "stage_name": "Screen",
        "duration_minutes": 30,
        "join_url": "https://interviews.example/join/tok3n",
        "scheduled_at": AT,
        "timezone": "America/New_York",
        "lead": "1h",
        **extra,
    }


def any_context() -> dict[str, Any]:
    return session_context(code="482913", expires_minutes=10, reason=None)


def test_html_escapes_a_candidate_name_with_a_script_tag() -> None:
    rendered = render("invite", session_context(candidate_name="<script>alert(1)</script>"))
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "Hello <script>alert(1)</script>," in rendered.text  # plain text stays literal


def test_html_escapes_the_role_and_a_rejection_note() -> None:
    rendered = render(
        "application_rejected",
        {"role": 'Eng "<b>"', "candidate_name": "Ada", "reason": "<img src=x onerror=alert(1)>"},
    )
    assert "<img src=x" not in rendered.html and "<b>" not in rendered.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered.html


def test_the_time_is_in_the_candidates_timezone_with_its_name_and_in_utc() -> None:
    rendered = render("invite", session_context())
    local = "Tuesday 6 March 2035, 09:30 EST (America/New_York)"
    assert local in rendered.text and local in rendered.html and local in rendered.subject
    assert "Tuesday 6 March 2035, 14:30 UTC" in rendered.text


def test_summer_time_and_a_utc_session() -> None:
    summer = when(datetime(2035, 7, 2, 7, 0, tzinfo=UTC), "Europe/Berlin")
    assert summer.local == "Monday 2 July 2035, 09:00 CEST (Europe/Berlin)"
    assert summer.utc == "Monday 2 July 2035, 07:00 UTC"
    plain = render("invite", session_context(timezone="UTC"))
    assert "In UTC" not in plain.text  # said once when the candidate's zone is UTC
    assert "Tuesday 6 March 2035, 14:30 UTC" in plain.text


def test_an_invite_without_a_time_says_the_link_works_any_time() -> None:
    rendered = render("invite", session_context(scheduled_at=None))
    assert "whenever you are ready" in rendered.text
    assert "When:" not in rendered.text
    assert "calendar" not in rendered.text.lower()
    assert "https://interviews.example/join/tok3n" in rendered.text


@pytest.mark.parametrize("kind", ["invite", "rescheduled", "reminder"])
def test_the_join_link_is_a_button_and_plain_text(kind: str) -> None:
    rendered = render(kind, session_context())
    url = "https://interviews.example/join/tok3n"
    assert f'href="{url}"' in rendered.html
    assert rendered.html.count(url) >= 3  # button, fallback link href and its text
    assert url in rendered.text


def test_branding_colours_the_button_and_shows_the_logo() -> None:
    branding = {"primary_color": "#0A7D55", "logo_url": "https://cdn.acme.example/logo.png"}
    rendered = render("invite", session_context(), branding)
    assert "background-color:#0A7D55" in rendered.html
    assert '<img src="https://cdn.acme.example/logo.png"' in rendered.html
    assert DEFAULT_COLOR not in rendered.html


def test_unsafe_branding_is_ignored() -> None:
    branding = {"primary_color": "red;background:url(x)", "logo_url": "javascript:alert(1)"}
    rendered = render("invite", session_context(), branding)
    assert "url(x)" not in rendered.html and "javascript:" not in rendered.html
    assert f"background-color:{DEFAULT_COLOR}" in rendered.html
    assert "<img" not in rendered.html


def test_html_uses_inline_styles_and_no_external_assets() -> None:
    for kind in KINDS:
        html = render(kind, any_context()).html
        assert "<link" not in html and "<script" not in html and "<style" not in html
        assert "http" not in html.replace("https://interviews.example/join/tok3n", "")


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_one_line_subject_a_text_and_an_html_body(kind: str) -> None:
    rendered = render(kind, any_context())
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.text.startswith("Hello Grace Hopper,")
    assert rendered.html.startswith("<!DOCTYPE html>")
    assert "Backend engineer" in rendered.subject + rendered.text


def test_reminders_say_how_soon() -> None:
    assert "in 1 hour" in render("reminder", session_context(lead="1h")).subject
    assert "in 24 hours" in render("reminder", session_context(lead="24h")).subject


def test_a_reschedule_names_the_old_and_new_times() -> None:
    earlier = datetime(2035, 3, 5, 14, 30, tzinfo=UTC)
    rendered = render("rescheduled", session_context(previous_scheduled_at=earlier))
    assert "Monday 5 March 2035, 09:30 EST" in rendered.text
    assert "Tuesday 6 March 2035, 09:30 EST" in rendered.subject


def test_the_code_is_in_the_otp_email() -> None:
    rendered = render("otp", {"code": "482913", "expires_minutes": 10, "role": "Backend engineer"})
    assert "482913" in rendered.subject and "482913" in rendered.text and "482913" in rendered.html
    assert "10 minutes" in rendered.text
    assert rendered.text.startswith("Hello,")


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown email kind"):
        render("newsletter", {})
