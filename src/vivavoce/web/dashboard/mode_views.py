"""What the session page shows for a reviewer stage (`manual_review`, `final_review`): the
rubric to score, the template's decisions, and the candidate's earlier stages."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.applications import service as applications
from vivavoce.applications.schemas import decisions_for
from vivavoce.scoring import manual_review
from vivavoce.sessions import service as sessions
from vivavoce.sessions.modes import Mode


async def mode_context(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    mode: Mode,
    success_outcome: str,
) -> dict[str, Any]:
    if mode not in ("review", "decision"):
        return {"rubric": [], "decisions": [], "earlier": [], "final_decision": None}
    session = await sessions.get(db, workspace_id, session_id)
    application = await applications.public_view(
        db, await applications.get(db, workspace_id, session.application_id)
    )
    rubric = await manual_review.rubric_of(db, session) if mode == "review" else None
    return {
        "rubric": [
            {"id": d.id, "name": d.name, "weight": d.weight, "description": d.description}
            for d in (rubric.dimensions if rubric else ())
        ],
        "decisions": list(decisions_for(success_outcome)) if mode == "decision" else [],
        "earlier": [
            s
            for s in application["stages"]
            if s["latest_session_id"] and s["latest_session_id"] != str(session_id)
        ],
        "final_decision": application["final_decision"],
        "application_id": application["id"],
    }
