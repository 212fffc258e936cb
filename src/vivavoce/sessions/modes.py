"""What each stage type does with its sessions (docs/adr/0012-stage-modes.md), as data.

    live      ai_interview, practice_session, roleplay_simulation: the AI conversation of the
              join page's live room
    async     async_assessment: the one-way assessment page, no live AI
    review    manual_review: a reviewer's scorecard, nothing for the candidate to join
    decision  final_review: the hiring team's decision on the application

Pure: no I/O, so pages, services and the scheduler ask the same table.
"""

from __future__ import annotations

from typing import Literal

Mode = Literal["live", "async", "review", "decision"]

_MODES: dict[str, Mode] = {
    "ai_interview": "live",
    "practice_session": "live",
    "roleplay_simulation": "live",
    "async_assessment": "async",
    "manual_review": "review",
    "final_review": "decision",
}


def mode_of(stage_type: str) -> Mode:
    return _MODES.get(stage_type, "live")


def invites_candidate(stage_type: str) -> bool:
    """Scheduling it emails the candidate a join link (and reminders)."""
    return mode_of(stage_type) in ("live", "async")
