"""How long a stage's interview runs. Pure, so the interviewer's plan can ask it without
importing the templates' schemas (and, through them, the models)."""

from __future__ import annotations

DEFAULT_DURATION_MINUTES = 30


def interview_minutes(stage_minutes: int | None, template_minutes: int | None) -> int:
    """The stage's own duration, else the template's default, else 30 minutes (the one
    fallback of the invite, the plan and the join page)."""
    return int(stage_minutes or template_minutes or DEFAULT_DURATION_MINUTES)
