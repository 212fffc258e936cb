"""What a join link shows, by status, stage type and whether the page is framed (pure)."""

from __future__ import annotations

import pytest

from vivavoce.sessions.join_view import join_view


@pytest.mark.parametrize(
    ("status", "stage_type", "framed", "page"),
    [
        ("cancelled", "ai_interview", False, "cancelled"),
        ("failed", "ai_interview", True, "failed"),
        ("completed", "ai_interview", False, "completed"),
        ("completed", "practice_session", False, "practice_feedback"),
        ("completed", "practice_session", True, "practice_feedback"),
        ("scheduled", "async_assessment", False, "assessment"),
        ("scheduled", "async_assessment", True, "not_joinable"),
        ("scheduled", "manual_review", False, "not_joinable"),
        ("scheduled", "ai_interview", True, "live"),
        ("in_progress", "roleplay_simulation", False, "live"),
    ],
)
def test_the_join_link_shows_the_page_of_the_sessions_state(
    status: str, stage_type: str, framed: bool, page: str
) -> None:
    assert join_view(status, stage_type, framed=framed).page == page


def test_only_an_interview_in_progress_is_resumed() -> None:
    assert join_view("in_progress", "ai_interview", framed=False).resume
    assert not join_view("scheduled", "ai_interview", framed=False).resume
