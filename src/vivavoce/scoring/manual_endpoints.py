"""The manual review API (`manual_review` stages): open the review, submit the scorecard."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.responses import ERROR_RESPONSES, Done, done
from vivavoce.api.state import app_state
from vivavoce.kit.clock import utcnow
from vivavoce.scoring import manual_review
from vivavoce.scoring.manual_schemas import ManualScorecard
from vivavoce.sessions import service as sessions
from vivavoce.sessions.schemas import SessionOut
from vivavoce.sessions.service import SessionLinks
from vivavoce.templates.visibility import Reader as TemplateReader
from vivavoce.workspaces import actors
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/sessions", tags=["sessions"])

Writer = Annotated[Principal, Depends(require("interviews.write"))]


def _links(request: Request) -> SessionLinks:
    settings = app_state(request).settings
    return SessionLinks(settings.base_url, settings.secret_key)


Links = Annotated[SessionLinks, Depends(_links)]


@router.post(
    "/{session_id}/manual-review/start",
    response_model=Done[SessionOut],
    responses=ERROR_RESPONSES,
)
async def start_manual_review(
    db: Db, principal: Writer, link: Links, session_id: uuid.UUID
) -> Response:
    """A reviewer opens a `manual_review` session: `scheduled → in_progress`
    (`session.started`). 409 `wrong_mode` for a session of another stage type; 403
    `not_the_reviewer` when the stage names another reviewer."""
    reader = TemplateReader(principal.user_id)
    await sessions.get_visible(db, principal.workspace_id, session_id, reader)
    reviewer = await actors.api_reviewer(db, principal)
    session = await manual_review.start(
        db, principal.workspace_id, session_id, reviewer, link, utcnow()
    )
    return done(link.public(session))


@router.post(
    "/{session_id}/manual-review",
    response_model=Done[SessionOut],
    responses=ERROR_RESPONSES,
)
async def submit_manual_review(
    db: Db, principal: Writer, link: Links, session_id: uuid.UUID, body: ManualScorecard
) -> Response:
    """The reviewer's scorecard: every rubric dimension 0-10 with notes, and the decision
    (`advance` | `reject`). It completes the session (`session.completed`,
    `session.scored`) and runs the stage's automation rule like a scored interview. 422
    `invalid_scorecard` when a dimension is missing, unknown or repeated; 409 once the
    session is over."""
    reader = TemplateReader(principal.user_id)
    await sessions.get_visible(db, principal.workspace_id, session_id, reader)
    reviewer = await actors.api_reviewer(db, principal)
    session = await manual_review.submit(
        db, principal.workspace_id, session_id, body, reviewer, link, utcnow()
    )
    return done(link.public(session))
