"""The end of a practice session on the join link: the candidate's own feedback, per
dimension, in plain words (`scoring.practice_feedback`). Until the scorecard is written
(seconds after the end) the page says so and reloads itself; no JavaScript needed."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from vivavoce.scoring.practice_feedback import candidate_feedback
from vivavoce.web.rendering import Theme, page


def feedback_page(
    title: str, breakdown: list[dict[str, Any]] | None, scored: bool, theme: Theme
) -> Response:
    return page(
        "practice_feedback.html",
        {
            "title": title,
            "scored": scored,
            "dimensions": candidate_feedback(breakdown or []) if scored else [],
        },
        theme=theme,
    )
