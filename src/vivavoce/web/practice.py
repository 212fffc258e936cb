"""The end of a practice session on the join link: the candidate's own feedback, per
dimension, in plain words (`scoring.practice_feedback`). Until the scorecard is written
(seconds after the end) the page says so and reloads itself; no JavaScript needed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from vivavoce.scoring.practice_feedback import candidate_feedback
from vivavoce.web.rendering import Theme, page

if TYPE_CHECKING:
    from vivavoce.web.join import Frame


def feedback_page(
    title: str,
    breakdown: list[dict[str, Any]] | None,
    scored: bool,
    theme: Theme,
    framed: tuple[Frame, str] | None = None,
) -> Response:
    """`framed`: inside the embeddable widget, its frame and the room key, whose feedback
    address (`/embed/feedback/{room key}`) the page reloads while the feedback is prepared
    (the embed token it was opened with works once)."""
    context: dict[str, Any] = {
        "title": title,
        "scored": scored,
        "dimensions": candidate_feedback(breakdown or []) if scored else [],
        "embed": None,
        "refresh_url": None,
    }
    if framed is None:
        return page("practice_feedback.html", context, theme=theme)
    frame, room = framed
    context["embed"] = {**frame.context(), "state": "completed"}
    context["refresh_url"] = f"/embed/feedback/{room}"
    return page(
        "practice_feedback.html", context, theme=theme, scripts=True, frame_ancestors=frame.origin
    )
