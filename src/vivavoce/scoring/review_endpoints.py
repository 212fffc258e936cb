"""The scorecard review API: confirm or adjust a session's scorecard, and read its history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.responses import ERROR_RESPONSES, One, one
from vivavoce.api.state import app_state
from vivavoce.kit.clock import utcnow
from vivavoce.scoring import review
from vivavoce.scoring.review_schemas import ReviewOut, ReviewRequest, ScorecardReviewsOut
from vivavoce.sessions import service as sessions
from vivavoce.sessions.schemas import SessionOut
from vivavoce.sessions.service import SessionLinks
from vivavoce.templates.visibility import Reader as TemplateReader
from vivavoce.workspaces import actors
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/sessions", tags=["sessions"])

Reader = Annotated[Principal, Depends(require("interviews.read"))]
Writer = Annotated[Principal, Depends(require("interviews.write"))]


class ReviewedOut(BaseModel):
    session: SessionOut
    review: ReviewOut


@router.post(
    "/{session_id}/scorecard/review",
    response_model=One[ReviewedOut],
    responses=ERROR_RESPONSES,
)
async def review_scorecard(
    request: Request, db: Db, principal: Writer, session_id: uuid.UUID, body: ReviewRequest
) -> Response:
    """A reviewer confirms the scorecard (`action: confirm`) or adjusts dimension scores with
    a written reason (`action: adjust`); code recomputes `score`, `passed` and
    `recommendation`, the AI's original is kept, `session.score_reviewed` fires and the
    stage's automation rule runs as for any scorecard. Send the `review.version` you read:
    409 `scorecard_changed` when another review came first, 409 `not_scored` before there is
    a scorecard."""
    settings = app_state(request).settings
    links = SessionLinks(settings.base_url, settings.secret_key)
    reviewer = await actors.api_reviewer(db, principal)
    await sessions.get_visible(
        db, principal.workspace_id, session_id, TemplateReader(principal.user_id)
    )
    session, entry = await review.review(
        db, principal.workspace_id, session_id, body, reviewer, links, utcnow()
    )
    return one({"session": links.public(session), "review": entry})


@router.get(
    "/{session_id}/scorecard/reviews",
    response_model=One[ScorecardReviewsOut],
    responses=ERROR_RESPONSES,
)
async def scorecard_reviews(db: Db, principal: Reader, session_id: uuid.UUID) -> Response:
    """The review state, the AI's original scorecard and the audit trail, oldest first."""
    await sessions.get_visible(
        db, principal.workspace_id, session_id, TemplateReader(principal.user_id)
    )
    return one(await review.history(db, principal.workspace_id, session_id))
