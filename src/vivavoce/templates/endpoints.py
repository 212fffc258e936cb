"""Evaluation templates and evaluation stages."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.params import Paging
from vivavoce.api.responses import ERROR_RESPONSES, Done, Many, One, done, many, one
from vivavoce.api.validation import one_of_body, validate_body
from vivavoce.templates import service
from vivavoce.templates.schemas import (
    EvaluationStageOut,
    EvaluationTemplateOut,
    StageCreate,
    StageUpdate,
    Status,
    TemplateCreate,
    TemplateFork,
    TemplateUpdate,
    UseCase,
    stage_public,
)
from vivavoce.templates.visibility import Reader
from vivavoce.workspaces.service import Principal

templates_router = APIRouter(prefix="/evaluation-templates", tags=["evaluation templates"])
stages_router = APIRouter(prefix="/evaluation-stages", tags=["evaluation stages"])

TemplateReader = Annotated[Principal, Depends(require("evaluation_templates.read"))]
TemplateWriter = Annotated[Principal, Depends(require("evaluation_templates.write"))]
StageReader = Annotated[Principal, Depends(require("evaluation_stages.read"))]
StageWriter = Annotated[Principal, Depends(require("evaluation_stages.write"))]


def reader(principal: Principal) -> Reader:
    """The key reads as the user who created it (see `templates.visibility`)."""
    return Reader(principal.user_id)


_CREATE_BODY = one_of_body("TemplateCreate", "TemplateFork")


@templates_router.post(
    "",
    status_code=201,
    response_model=One[EvaluationTemplateOut],
    responses=ERROR_RESPONSES,
    openapi_extra={"requestBody": _CREATE_BODY},
)
async def create_evaluation_template(
    db: Db,
    principal: TemplateWriter,
    body: Annotated[dict[str, Any], Body(include_in_schema=False)],
    action: Annotated[
        Literal["fork"] | None, Query(description="`fork` copies a public template")
    ] = None,
) -> Response:
    """Create a template (`TemplateCreate`; `success_outcome` follows `use_case` when
    omitted), or with `?action=fork` and `{"sourceId"}` (`TemplateFork`) copy a
    `public_template` of any workspace, stages included."""
    if action == "fork":
        fork = validate_body(TemplateFork, body)
        template = await service.fork_template(
            db, principal.workspace_id, fork, reader(principal), principal.user_id
        )
    else:
        created = validate_body(TemplateCreate, body)
        template = await service.create_template(
            db, principal.workspace_id, created, principal.user_id
        )
    location = f"/api/v1/evaluation-templates/{template.id}"
    return one(
        await service.template_with_stages(db, principal.workspace_id, template.id), 201, location
    )


@templates_router.get("", response_model=Many[EvaluationTemplateOut], responses=ERROR_RESPONSES)
async def list_evaluation_templates(
    db: Db,
    principal: TemplateReader,
    paging: Paging,
    status: Annotated[Status | None, Query()] = None,
    use_case: Annotated[UseCase | None, Query()] = None,
    visibility: Annotated[
        Literal["public_template"] | None,
        Query(description="`public_template`: the public templates of every workspace, to fork"),
    ] = None,
) -> Response:
    """This workspace's templates, newest first, each with its stages."""
    page = await service.list_templates_page(
        db,
        principal.workspace_id,
        paging,
        status=status,
        use_case=use_case,
        library=visibility == "public_template",
        reader=reader(principal),
    )
    return many(page)


@templates_router.get(
    "/{template_id}", response_model=One[EvaluationTemplateOut], responses=ERROR_RESPONSES
)
async def get_evaluation_template(
    db: Db, principal: TemplateReader, template_id: uuid.UUID
) -> Response:
    """The template with its `stages`, in pipeline order."""
    return one(
        await service.template_with_stages(
            db, principal.workspace_id, template_id, reader(principal)
        )
    )


@templates_router.patch(
    "/{template_id}", response_model=Done[EvaluationTemplateOut], responses=ERROR_RESPONSES
)
async def update_evaluation_template(
    db: Db, principal: TemplateWriter, template_id: uuid.UUID, body: TemplateUpdate
) -> Response:
    """Change the fields sent; `apply` and `branding` merge with their current values."""
    await service.update_template(db, principal.workspace_id, template_id, body, reader(principal))
    return done(await service.template_with_stages(db, principal.workspace_id, template_id))


@stages_router.post(
    "", status_code=201, response_model=One[EvaluationStageOut], responses=ERROR_RESPONSES
)
async def create_evaluation_stage(db: Db, principal: StageWriter, body: StageCreate) -> Response:
    """Add a stage to a template; `type` is unique within the template (else 409)."""
    stage = await service.create_stage(db, principal.workspace_id, body, reader(principal))
    return one(stage_public(stage), 201, f"/api/v1/evaluation-stages/{stage.id}")


@stages_router.get("", response_model=Many[EvaluationStageOut], responses=ERROR_RESPONSES)
async def list_evaluation_stages(
    db: Db,
    principal: StageReader,
    paging: Paging,
    evaluation_template_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
) -> Response:
    """This workspace's stages, newest first."""
    page = await service.list_stages_page(
        db,
        principal.workspace_id,
        paging,
        template_id=evaluation_template_id,
        status=status,
        reader=reader(principal),
    )
    return many(page)


@stages_router.get("/{stage_id}", response_model=One[EvaluationStageOut], responses=ERROR_RESPONSES)
async def get_evaluation_stage(db: Db, principal: StageReader, stage_id: uuid.UUID) -> Response:
    await service.require_visible_stage(db, principal.workspace_id, stage_id, reader(principal))
    return one(stage_public(await service.get_stage(db, principal.workspace_id, stage_id)))


@stages_router.patch(
    "/{stage_id}", response_model=Done[EvaluationStageOut], responses=ERROR_RESPONSES
)
async def update_evaluation_stage(
    db: Db, principal: StageWriter, stage_id: uuid.UUID, body: StageUpdate
) -> Response:
    await service.require_visible_stage(db, principal.workspace_id, stage_id, reader(principal))
    stage = await service.update_stage(db, principal.workspace_id, stage_id, body)
    return done(stage_public(stage))


router = APIRouter()
router.include_router(templates_router)
router.include_router(stages_router)
