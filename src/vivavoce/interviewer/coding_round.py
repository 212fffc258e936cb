"""The live room's seam for the coding round (ADR 23).

The room asks the round twice: once when it builds a new interview's plan (the round adds
its coding questions when the session has a problem) and before every move it words (the
round rewords a coding question from the candidate's latest run). `coding.room.
LiveCodingRound` is the implementation; it sits above `interviewer` in the domain order and
is handed in through `RoomDeps.coding` by whoever builds the room, so `interviewer` never
imports `coding`."""

from __future__ import annotations

import uuid
from typing import Protocol

from vivavoce.interviewer.engine import Move
from vivavoce.interviewer.plan import InterviewPlan


class CodingRound(Protocol):
    async def plan_with_problem(
        self, workspace_id: uuid.UUID, session_id: uuid.UUID, plan: InterviewPlan
    ) -> InterviewPlan:
        """`plan` with the coding questions when the session has a problem (drawn now if
        need be, so the room and the coding pane agree); `plan` itself otherwise."""
        ...

    async def live_move(self, workspace_id: uuid.UUID, session_id: uuid.UUID, move: Move) -> Move:
        """`move` with a coding question worded from the candidate's latest finished run;
        any other move unchanged."""
        ...
