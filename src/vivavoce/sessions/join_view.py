"""What a join link shows for a session, by its status and its stage's mode: the join page
asks this and only renders the answer. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from vivavoce.sessions.modes import mode_of
from vivavoce.sessions.state import Status

JoinPage = Literal[
    "cancelled", "completed", "practice_feedback", "failed", "assessment", "not_joinable", "live"
]


@dataclass(frozen=True)
class JoinView:
    page: JoinPage
    resume: bool  # an interview in progress is resumed, not started


def join_view(status: str, stage_type: str, *, framed: bool) -> JoinView:
    """`framed`: the page is the embeddable widget's, which runs live interviews (and shows
    a finished practice's feedback) but no one-way assessment."""
    resume = status == Status.IN_PROGRESS.value
    return JoinView(_page(status, stage_type, framed), resume)


def _page(status: str, stage_type: str, framed: bool) -> JoinPage:
    if status == Status.CANCELLED.value:
        return "cancelled"
    if status == Status.COMPLETED.value:
        return "practice_feedback" if stage_type == "practice_session" else "completed"
    if status == Status.FAILED.value:
        return "failed"
    mode = mode_of(stage_type)
    if mode == "async" and not framed:
        return "assessment"
    if mode != "live":  # a reviewer's stage: nothing for the candidate here
        return "not_joinable"
    return "live"
