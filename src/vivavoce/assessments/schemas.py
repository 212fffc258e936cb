"""The one-way assessment's requests and the state the page shows."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from vivavoce.kit.schemas import StrictModel

MAX_ANSWER_CHARACTERS = 10_000


class Action(StrictModel):
    """One step of the candidate on the question they are at. `position` and `attempt` say
    which question and attempt the page shows: a step for any other (a second tab, a stale
    page) is refused with 409 `assessment_moved_on` and the current state."""

    action: Literal["show", "answer_now", "answer", "retake", "submit"]
    position: Annotated[int, Field(ge=0, le=1000)]
    attempt: Annotated[int, Field(ge=0, le=100)]
    text: Annotated[str | None, Field(max_length=MAX_ANSWER_CHARACTERS)] = None
