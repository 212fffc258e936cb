"""Evaluation templates and stages: create, read, update. Other domains (sessions,
applications, the apply page) read templates and stages only through this module."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.agent_profiles import service as agent_profiles
from vivavoce.kit.db import violated_constraint
from vivavoce.kit.errors import Conflict, Issue, NotFound, Unprocessable
from vivavoce.kit.pagination import Page, PageRequest, page_from_rows
from vivavoce.models import EvaluationStage, EvaluationTemplate
from vivavoce.templates import repository
from vivavoce.templates.schemas import (
    OUTCOME_FOR_USE_CASE,
    RUNNABLE_FORMATS,
    STAGE_TYPE_FOR_FORMAT,
    StageCreate,
    StageUpdate,
    TemplateCreate,
    TemplateFork,
    TemplateUpdate,
    stage_public,
    template_public,
)
from vivavoce.templates.visibility import Reader
from vivavoce.workspaces import service as workspaces


def default_outcome(use_case: str) -> str:
    """The `success_outcome` a template gets when none is given."""
    return OUTCOME_FOR_USE_CASE.get(use_case, "pass_fail")


def same_label(one: str, other: str) -> bool:
    """Whether two stage types name the same stage (`Final Round` = `final round`)."""
    return one.lower() == other.lower()


def stage_labelled(
    stages: Sequence[EvaluationStage], wanted: str | None, kind: str = "stage"
) -> EvaluationStage | None:
    """The stage of `stages` whose type is labelled `wanted` (`same_label`), the first one
    when `wanted` is None (None when there is none); 422 `unknown_stage`, naming the choices,
    when no stage has that label. `kind` names them in the message ("scored stage")."""
    if wanted is None:
        return stages[0] if stages else None
    found = next((s for s in stages if same_label(s.type, wanted)), None)
    if found is None:
        raise Unprocessable(
            f"the template has no {kind} `{wanted}`",
            [Issue(["query", "stage"], f"one of: {', '.join(s.type for s in stages)}")],
            code="unknown_stage",
        )
    return found


def require_runnable_format(template: EvaluationTemplate) -> None:
    """Sessions run only in a format vivavoce can hold; any other is refused, never held as
    a live interview in disguise."""
    if template.format not in RUNNABLE_FORMATS:
        raise Conflict(
            f"this template's format `{template.format}` cannot be run yet; only "
            f"{', '.join(f'`{f}`' for f in sorted(RUNNABLE_FORMATS))} sessions can be scheduled",
            code="unsupported_format",
            format=template.format,
        )


def runnable_stage(stage: EvaluationStage) -> bool:
    """Whether the stage can run: a role-play stage only with its scenario (a stage stored
    before scenarios existed has none)."""
    return stage.stage_type != "roleplay_simulation" or bool(
        (stage.mode_settings or {}).get("roleplay")
    )


def require_runnable_stage(stage: EvaluationStage) -> None:
    """`runnable_stage`, or 409 `scenario_missing`: never an interview in disguise."""
    if not runnable_stage(stage):
        raise Conflict(
            "this roleplay_simulation stage has no scenario yet: set `roleplay` on the stage "
            "(docs/roleplay.md)",
            code="scenario_missing",
            stage_id=str(stage.id),
        )


def _duplicate_type(stage_type: str, existing_id: uuid.UUID | None) -> Conflict:
    return Conflict(
        f"this template already has a stage of type `{stage_type}`",
        code="duplicate_stage_type",
        existing_id=str(existing_id) if existing_id else None,
    )


@asynccontextmanager
async def _unique_stage_type(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID, stage_type: str
) -> AsyncIterator[None]:
    """Turns a lost race on `uq_stage_type` into a 409, keeping the transaction usable."""
    try:
        async with db.begin_nested():
            yield
    except IntegrityError as exc:
        if violated_constraint(exc) != "uq_stage_type":
            raise
        existing = await repository.stage_by_type(db, workspace_id, template_id, stage_type)
        raise _duplicate_type(stage_type, existing.id if existing else None) from None


# Templates


async def create_template(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    body: TemplateCreate,
    created_by: uuid.UUID | None = None,
) -> EvaluationTemplate:
    template = EvaluationTemplate(
        workspace_id=workspace_id,
        template_name=body.template_name,
        use_case=body.use_case,
        description=body.description,
        objective=body.objective,
        success_outcome=body.success_outcome or default_outcome(body.use_case),
        status=body.status,
        industry=body.industry,
        level=body.level,
        requirements=body.requirements,
        skills=body.skills,
        soft_skills=body.soft_skills,
        ai_context=body.ai_context,
        default_duration_minutes=body.default_duration_minutes,
        default_difficulty=body.default_difficulty,
        session_format=body.session_format,
        format=body.format,
        visibility=body.visibility,
        language=body.language,
        apply=body.apply.model_dump(),
        branding=body.branding.model_dump(),
        embed_origins=body.embed_origins,
        created_by_user_id=created_by,
    )
    await repository.add(db, template)
    return template


# What a template says about the interviews (everything but its name, status, visibility,
# apply page and branding): copied by a fork, changed by PATCH.
_CONTENT_FIELDS = (
    "use_case",
    "description",
    "objective",
    "success_outcome",
    "industry",
    "level",
    "requirements",
    "skills",
    "soft_skills",
    "ai_context",
    "default_duration_minutes",
    "default_difficulty",
    "session_format",
    "format",
    "language",
)
_COPIED_STAGE_FIELDS = (
    "type",
    "stage_name",
    "stage_type",
    "stage_order",
    "duration_minutes",
    "difficulty",
    "pass_threshold",
    "allow_retake",
    "automation_rule",
    "status",
    "questions",
    "mode_settings",
)


async def fork_template(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    body: TemplateFork,
    reader: Reader | None = None,
    created_by: uuid.UUID | None = None,
) -> EvaluationTemplate:
    """Copy a `public_template` of any workspace (or one of this workspace's) with its
    stages. The copy is `team`-visible and active; a stage keeps its agent profile only
    within one workspace (another workspace's profile is never shared: assign your own)."""
    source = await repository.visible_template(db, workspace_id, body.sourceId, reader)
    if source is None:
        raise NotFound("evaluation template")
    same_workspace = source.workspace_id == workspace_id
    copy = EvaluationTemplate(
        workspace_id=workspace_id,
        template_name=body.template_name or f"{source.template_name} (copy)"[:200],
        status="active",
        visibility="team",
        created_by_user_id=created_by,
        apply=source.apply,
        branding=source.branding,
        # another workspace's sites are not this workspace's to embed on
        embed_origins=list(source.embed_origins or []) if same_workspace else [],
        **{name: getattr(source, name) for name in _CONTENT_FIELDS},
    )
    await repository.add(db, copy)
    for stage in await repository.stages_of(db, source.workspace_id, [source.id]):
        await repository.add(
            db,
            EvaluationStage(
                workspace_id=workspace_id,
                evaluation_template_id=copy.id,
                agent_profile_id=stage.agent_profile_id if same_workspace else None,
                **{name: getattr(stage, name) for name in _COPIED_STAGE_FIELDS},
            ),
        )
    return copy


async def get_template(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    reader: Reader | None = None,
) -> EvaluationTemplate:
    """A template of this workspace (that `reader`, when given, may see), or
    NotFound("evaluation template")."""
    template = await repository.get_template(db, workspace_id, template_id)
    return _seen(template, reader)


def _seen(template: EvaluationTemplate | None, reader: Reader | None) -> EvaluationTemplate:
    """The template, unless it is missing or private to someone else: then NotFound, the
    same answer as for another workspace's template."""
    if template is None or (reader is not None and not reader.sees(template)):
        raise NotFound("evaluation template")
    return template


async def hidden_from(
    db: AsyncSession, workspace_id: uuid.UUID, reader: Reader | None
) -> frozenset[uuid.UUID]:
    """The workspace's templates `reader` may not see: others' private ones (none for
    internal code, which passes no reader). Lists leave out what hangs off them with
    `templates.visibility.outside`."""
    if reader is None:
        return frozenset()
    return frozenset(await repository.hidden_template_ids(db, workspace_id, reader))


async def ensure_visible(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID | None,
    reader: Reader | None,
    missing: NotFound,
) -> None:
    """`missing` (a NotFound) when something of template `template_id` (a stage, session,
    participant, application) is read by a `reader` who may not see that template: for
    them it does not exist, the same 404 as another workspace's id. No reader (internal
    code) or no template: nothing to hide."""
    if reader is None or template_id is None:
        return
    template = await repository.get_template(db, workspace_id, template_id)
    if template is not None and not reader.sees(template):
        raise missing


async def require_visible_stage(
    db: AsyncSession, workspace_id: uuid.UUID, stage_id: uuid.UUID, reader: Reader
) -> None:
    """NotFound("evaluation stage") for a stage of a template `reader` may not see."""
    stage = await get_stage(db, workspace_id, stage_id)
    missing = NotFound("evaluation stage")
    await ensure_visible(db, workspace_id, stage.evaluation_template_id, reader, missing)


async def get_templates(
    db: AsyncSession, workspace_id: uuid.UUID, template_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, EvaluationTemplate]:
    """The templates of this workspace among these ids, in one query."""
    rows = await repository.templates_by_ids(db, workspace_id, set(template_ids))
    return {t.id: t for t in rows}


async def update_template(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    body: TemplateUpdate,
    reader: Reader | None = None,
) -> EvaluationTemplate:
    template = _seen(
        await repository.get_template(db, workspace_id, template_id, for_update=True), reader
    )
    fields = body.model_fields_set
    # A derived outcome follows the use case; one chosen explicitly stays.
    if (
        "use_case" in fields
        and "success_outcome" not in fields
        and body.use_case is not None
        and template.success_outcome == default_outcome(template.use_case)
    ):
        template.success_outcome = default_outcome(body.use_case)
    for name in ("template_name", "status", "visibility", *_CONTENT_FIELDS):
        if name in fields:
            setattr(template, name, getattr(body, name))
    if body.apply is not None:
        template.apply = {**template.apply, **body.apply.model_dump(exclude_unset=True)}
    if body.branding is not None:
        template.branding = {**template.branding, **body.branding.model_dump(exclude_unset=True)}
    if body.embed_origins is not None:  # replaced whole: the list sent is the list allowed
        template.embed_origins = body.embed_origins
    await repository.save(db, template)
    return template


async def list_stages(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID
) -> list[EvaluationStage]:
    """The template's stages in pipeline order (stage_order, then creation)."""
    return await repository.stages_of(db, workspace_id, [template_id])


async def template_with_stages(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID, reader: Reader | None = None
) -> dict[str, Any]:
    """The public form of a template with its `stages` array."""
    template = await get_template(db, workspace_id, template_id, reader)
    return template_public(template, await list_stages(db, workspace_id, template.id))


async def list_templates_page(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    page: PageRequest,
    *,
    status: str | None = None,
    use_case: str | None = None,
    library: bool = False,
    reader: Reader | None = None,
) -> Page[dict[str, Any]]:
    """This workspace's templates with their stages (those `reader` may see), or
    (`library`) the public templates of every workspace, which `fork_template` copies."""
    rows = await repository.list_templates(
        db,
        workspace_id,
        limit=page.limit + 1,
        before=page.before,
        status=status,
        use_case=use_case,
        library=library,
        reader=reader,
    )
    result = page_from_rows(rows, page.limit, lambda t: t.id)
    by_template: dict[uuid.UUID, list[EvaluationStage]] = {t.id: [] for t in result.items}
    for owner in {t.workspace_id for t in result.items}:
        owned = [t.id for t in result.items if t.workspace_id == owner]
        for stage in await repository.stages_of(db, owner, owned):
            by_template[stage.evaluation_template_id].append(stage)
    return Page(
        [template_public(t, by_template[t.id]) for t in result.items],
        result.has_more,
        result.next_cursor,
    )


# Stages


def _threshold(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


async def create_stage(
    db: AsyncSession, workspace_id: uuid.UUID, body: StageCreate, reader: Reader | None = None
) -> EvaluationStage:
    # Locking the template row serialises stage creation per template, so the default
    # stage_order and the type check see every earlier stage.
    template = _seen(
        await repository.get_template(
            db, workspace_id, body.evaluation_template_id, for_update=True
        ),
        reader,
    )
    if body.agent_profile_id is not None:
        await _own_profile(db, workspace_id, body.agent_profile_id)
    if body.review is not None:
        await _own_reviewer(db, workspace_id, body.review.reviewer_user_id)
    existing = await repository.stage_by_type(db, workspace_id, template.id, body.type)
    if existing is not None:
        raise _duplicate_type(body.type, existing.id)
    stage_type = (
        body.stage_type
        if "stage_type" in body.model_fields_set
        else STAGE_TYPE_FOR_FORMAT.get(template.format, body.stage_type)
    )
    _settings_fit(body, stage_type)
    stage_order = body.stage_order
    if stage_order is None:
        stage_order = await repository.next_stage_order(db, workspace_id, template.id)
    stage = EvaluationStage(
        workspace_id=workspace_id,
        evaluation_template_id=template.id,
        type=body.type,
        stage_name=body.stage_name,
        stage_type=stage_type,
        agent_profile_id=body.agent_profile_id,
        stage_order=stage_order,
        duration_minutes=body.duration_minutes or template.default_duration_minutes,
        difficulty=body.difficulty or template.default_difficulty,
        pass_threshold=_threshold(body.pass_threshold),
        allow_retake=body.allow_retake,
        automation_rule=body.automation_rule,
        status=body.status,
        questions=[q.model_dump() for q in body.questions],
        mode_settings={
            name: value.model_dump(mode="json")
            for name, value in (
                ("assessment", body.assessment),
                ("practice", body.practice),
                ("review", body.review),
                ("roleplay", body.roleplay),
            )
            if value is not None
        },
    )
    async with _unique_stage_type(db, workspace_id, template.id, body.type):
        await repository.add(db, stage)
    return stage


_SETTINGS_FOR = {
    "assessment": "async_assessment",
    "practice": "practice_session",
    "review": "manual_review",
    "roleplay": "roleplay_simulation",
}


def _settings_fit(body: StageCreate, stage_type: str) -> None:
    """Mode settings only on the stage type that uses them (the type may come from the
    template's format)."""
    for name, wanted in _SETTINGS_FOR.items():
        if getattr(body, name) is not None and stage_type != wanted:
            raise Unprocessable(
                f"{name} settings apply to {wanted} stages only (this stage is {stage_type})",
                [Issue(["body", name], f"only for stage_type {wanted}")],
            )
    if stage_type == "roleplay_simulation" and body.roleplay is None:
        raise _scenario_required()


def _scenario_fits(stage: EvaluationStage, body: StageUpdate) -> None:
    """After the update, a roleplay_simulation stage has a scenario and no other has one."""
    fields = body.model_fields_set
    stage_type = body.stage_type if "stage_type" in fields and body.stage_type else stage.stage_type
    stored = (stage.mode_settings or {}).get("roleplay")
    scenario = body.roleplay if "roleplay" in fields else stored
    if stage_type == "roleplay_simulation" and scenario is None:
        raise _scenario_required()
    if stage_type != "roleplay_simulation" and "roleplay" in fields and body.roleplay is not None:
        raise Unprocessable(
            f"roleplay settings apply to roleplay_simulation stages only (this stage is "
            f"{stage_type})",
            [Issue(["body", "roleplay"], "only for stage_type roleplay_simulation")],
        )


def _scenario_required() -> Unprocessable:
    return Unprocessable(
        "a roleplay_simulation stage needs its scenario (`roleplay`): the character, what "
        "they want, the candidate's role and brief, and the goals (docs/roleplay.md)",
        [Issue(["body", "roleplay"], "required for stage_type roleplay_simulation")],
    )


async def _own_reviewer(
    db: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID | None
) -> None:
    """A named reviewer is an active user of this workspace; NotFound naming the field else."""
    if user_id is None:
        return
    user = await workspaces.active_user(db, user_id)
    if user is None or user.workspace_id != workspace_id:
        raise NotFound("user", field="review.reviewer_user_id", id=user_id)


async def _own_profile(db: AsyncSession, workspace_id: uuid.UUID, profile_id: uuid.UUID) -> None:
    """The stage's agent profile exists in this workspace; NotFound naming the field else."""
    try:
        await agent_profiles.get_own(db, workspace_id, profile_id)
    except NotFound as error:
        error.field = "agent_profile_id"
        raise


async def get_stage(
    db: AsyncSession, workspace_id: uuid.UUID, stage_id: uuid.UUID
) -> EvaluationStage:
    """A stage of this workspace, or NotFound("evaluation stage")."""
    stage = await repository.get_stage(db, workspace_id, stage_id)
    if stage is None:
        raise NotFound("evaluation stage", id=stage_id)
    return stage


async def stage_of_template(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    template_id: uuid.UUID,
    stage_id: uuid.UUID,
    reader: Reader | None = None,
) -> EvaluationStage:
    """A stage of the template (which `reader` must see); a stage of another template is
    NotFound("evaluation stage") like a missing one."""
    await get_template(db, workspace_id, template_id, reader)
    stage = await get_stage(db, workspace_id, stage_id)
    if stage.evaluation_template_id != template_id:
        raise NotFound("evaluation stage", id=stage_id)
    return stage


def stage_in(template: dict[str, Any], stage_id: uuid.UUID) -> dict[str, Any]:
    """The stage `stage_id` of `template_with_stages`' result, or NotFound("evaluation stage")."""
    for stage in template["stages"]:
        if stage["id"] == str(stage_id):
            found: dict[str, Any] = stage
            return found
    raise NotFound("evaluation stage", id=stage_id)


async def find_stage(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID, stage_type: str
) -> EvaluationStage | None:
    """The template's stage whose `type` is `stage_type` (`stage` in session payloads)."""
    return await repository.stage_by_type(db, workspace_id, template_id, stage_type)


async def update_stage(
    db: AsyncSession, workspace_id: uuid.UUID, stage_id: uuid.UUID, body: StageUpdate
) -> EvaluationStage:
    stage = await repository.get_stage(db, workspace_id, stage_id, for_update=True)
    if stage is None:
        raise NotFound("evaluation stage", id=stage_id)
    fields = body.model_fields_set
    if "type" in fields and body.type is not None and body.type != stage.type:
        existing = await repository.stage_by_type(
            db, workspace_id, stage.evaluation_template_id, body.type
        )
        if existing is not None and existing.id != stage.id:
            raise _duplicate_type(body.type, existing.id)
        stage.type = body.type
    if "agent_profile_id" in fields:
        if body.agent_profile_id is not None:
            await _own_profile(db, workspace_id, body.agent_profile_id)
        stage.agent_profile_id = body.agent_profile_id
    if "pass_threshold" in fields:
        stage.pass_threshold = _threshold(body.pass_threshold)
    if "questions" in fields and body.questions is not None:
        stage.questions = [q.model_dump() for q in body.questions]
    if "review" in fields and body.review is not None:
        await _own_reviewer(db, workspace_id, body.review.reviewer_user_id)
    _scenario_fits(stage, body)
    settings = dict(stage.mode_settings or {})
    for name in ("assessment", "practice", "review", "roleplay"):
        if name in fields:
            settings.pop(name, None)
            value = getattr(body, name)
            if value is not None:
                settings[name] = value.model_dump(mode="json")
    stage.mode_settings = settings
    for name in (
        "stage_name",
        "stage_type",
        "stage_order",
        "duration_minutes",
        "difficulty",
        "allow_retake",
        "automation_rule",
        "status",
    ):
        if name in fields:
            setattr(stage, name, getattr(body, name))
    async with _unique_stage_type(db, workspace_id, stage.evaluation_template_id, stage.type):
        await repository.save(db, stage)
    return stage


async def delete_stage(db: AsyncSession, workspace_id: uuid.UUID, stage_id: uuid.UUID) -> None:
    """Removes a stage no interview has used. A stage with sessions keeps its history: 409
    `stage_in_use` (archive it with `status` instead)."""
    stage = await repository.lock_stage_for_delete(db, workspace_id, stage_id)
    if stage is None:
        raise NotFound("evaluation stage", id=stage_id)
    if await repository.stage_has_sessions(db, stage.id):
        raise Conflict(
            "this stage has interview sessions, so it cannot be deleted; archive it instead",
            code="stage_in_use",
        )
    await repository.delete(db, stage)


async def list_stages_page(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    page: PageRequest,
    *,
    template_id: uuid.UUID | None = None,
    status: str | None = None,
    reader: Reader | None = None,
) -> Page[dict[str, Any]]:
    """The stages, newest first; only those of templates `reader` may see."""
    rows = await repository.list_stages(
        db,
        workspace_id,
        limit=page.limit + 1,
        before=page.before,
        template_id=template_id,
        status=status,
        reader=reader,
    )
    result = page_from_rows(rows, page.limit, lambda s: s.id)
    return Page([stage_public(s) for s in result.items], result.has_more, result.next_cursor)
