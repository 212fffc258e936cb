from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.responses import ERROR_RESPONSES, one
from vivavoce.api.state import app_state
from vivavoce.scoring import service
from vivavoce.scoring.schemas import PreviewRequest
from vivavoce.workspaces.service import Principal

router = APIRouter(prefix="/evaluations", tags=["evaluations"])

Reader = Annotated[Principal, Depends(require("evaluation_templates.read"))]


@router.post("/preview", responses=ERROR_RESPONSES)
async def preview_evaluation(
    request: Request, db: Db, principal: Reader, body: PreviewRequest
) -> Response:
    """Rubric calibration: score a sample transcript against an inline rubric, an agent
    profile or a stage, and get the scorecard back. Nothing is stored. Formats in
    docs/scoring.md."""
    settings = app_state(request).settings
    return one(await service.preview(db, principal.workspace_id, body, settings))
