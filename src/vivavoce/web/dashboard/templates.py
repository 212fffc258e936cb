"""Evaluation templates: list, create, the detail page (stages with their question bank, the
apply-page settings and the Applications panel), and approving or rejecting applications."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, get_args

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from vivavoce.agent_profiles import service as agent_profiles
from vivavoce.api.state import app_state
from vivavoce.applications import progression
from vivavoce.applications import service as applications
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import AppError, NotFound
from vivavoce.kit.pagination import Page, PageRequest
from vivavoce.participants import service as participants
from vivavoce.templates import service as templates
from vivavoce.templates.schemas import (
    MAX_EMBED_ORIGINS,
    Difficulty,
    StageCreate,
    StageType,
    StageUpdate,
    TemplateCreate,
    TemplateUpdate,
    UseCase,
)
from vivavoce.templates.visibility import Reader
from vivavoce.web.dashboard import pictures
from vivavoce.web.dashboard.common import (
    PREFIX,
    DashRoute,
    Form,
    PostedForm,
    SignedIn,
    Viewer,
    field_errors,
    issue_errors,
    redirect,
    render,
)
from vivavoce.web.dashboard.views import links, paging, parse_uuid
from vivavoce.workspaces import service as workspaces

router = APIRouter(prefix=f"{PREFIX}/templates", route_class=DashRoute, include_in_schema=False)

PANEL_LIMIT = 100
# the choices come from the schemas' literals, so a new value needs no edit here
USE_CASES = get_args(UseCase)
DIFFICULTIES = get_args(Difficulty)
STAGE_TYPES = get_args(StageType)
AUTOMATION = (
    ("auto_advance", "Invite to the next stage automatically"),
    ("require_reviewer_approval", "Wait for a reviewer to approve"),
    ("none", "Nothing: you decide what happens next"),
)
VISIBILITIES = (
    ("team", "Team: everyone in the workspace"),
    ("private", "Private: only you"),
    ("organization", "Organization: everyone in the workspace"),
    ("public_template", "Public: any workspace can copy it"),
)


def reader(viewer: Viewer) -> Reader:
    """Private templates are seen only by the user who created them."""
    return Reader(viewer.user_id)


def _labels(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _int(form: Form, name: str, errors: dict[str, str]) -> int | None:
    value = form.get(name).strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        errors[name] = "Enter a whole number."
        return None


def _template_body(form: Form, errors: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "template_name": form.get("template_name"),
        "use_case": form.get("use_case") or "hiring",
        "description": form.text("description"),
        "objective": form.text("objective"),
        "level": form.text("level"),
        "requirements": form.text("requirements"),
        "skills": _labels(form.get("skills")),
        "default_difficulty": form.get("default_difficulty") or "intermediate",
        "language": form.get("language").strip() or "en",
        "visibility": form.get("visibility") or "team",
    }
    duration = _int(form, "default_duration_minutes", errors)
    if duration is not None:
        body["default_duration_minutes"] = duration
    return body


async def _with_choices(
    db: Any, viewer: Viewer, template_id: uuid.UUID
) -> tuple[dict[str, Any], Page[dict[str, Any]], list[tuple[str, str]]]:
    """The template with its stages, and what its stage forms choose from: the agent
    profiles and the reviewers. `db` is the page's AsyncSession (web does not import
    SQLAlchemy)."""
    template = await templates.template_with_stages(
        db, viewer.workspace_id, template_id, reader(viewer)
    )
    profiles = await agent_profiles.list_page(db, viewer.workspace_id, PageRequest(limit=100))
    reviewers = _reviewers(await workspaces.list_users(db, viewer.workspace_id))
    return template, profiles, reviewers


async def _detail(
    request: Request,
    viewer: Viewer,
    template_id: uuid.UUID,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    embed: EmbedForm | None = None,
    status: int = 200,
) -> Response:
    async with unit_of_work(app_state(request).sessionmaker) as db:
        template, profiles, reviewers = await _with_choices(db, viewer, template_id)
        apps = await applications.list_page(
            db, viewer.workspace_id, PageRequest(limit=PANEL_LIMIT), template_id=template_id
        )
        people = await participants.list_page(
            db, viewer.workspace_id, PageRequest(limit=PANEL_LIMIT), template_id=template_id
        )
        names = {p["id"]: p for p in people.items}
        missing = {uuid.UUID(a["candidate_id"]) for a in apps.items} - {
            uuid.UUID(key) for key in names
        }
        for person in (await participants.get_many(db, viewer.workspace_id, missing)).values():
            names[str(person.id)] = {
                "id": str(person.id),
                "name": person.name,
                "email": person.email,
            }
    with_application = {a["candidate_id"] for a in apps.items}
    rows: list[dict[str, Any]] = [
        {"person": names[a["candidate_id"]], "application": a} for a in apps.items
    ]
    rows += [
        {"person": p, "application": None} for p in people.items if p["id"] not in with_application
    ]
    base = app_state(request).settings.base_url
    return render(
        request,
        "dashboard/template.html",
        {
            "nav": "templates",
            "template": template,
            "profiles": profiles.items,
            "reviewers": reviewers,
            "profile_names": {p["id"]: p["name"] for p in profiles.items},
            "rows": rows,
            "funnels": pictures.stage_funnels(template, rows),
            "more": apps.has_more or people.has_more,
            "apply_url": f"{base}/apply/{template['id']}",
            "embed": embed or EmbedForm("\n".join(template["embed_origins"])),
            "values": values or {"automation_rule": "auto_advance", "stage_type": "ai_interview"},
            "errors": errors or {},
            "stage_types": STAGE_TYPES,
            "automation": AUTOMATION,
            "difficulties": DIFFICULTIES,
        },
        viewer=viewer,
        status=status,
    )


@dataclass(frozen=True)
class EmbedForm:
    """The Embedding card's field: the origins as typed, and why they were refused."""

    typed: str
    error: str | None = None


def _origin_lines(text: str) -> list[str]:
    """One origin per line (commas and spaces separate them too)."""
    return text.replace(",", " ").split()


def _origins_error(exc: ValidationError, lines: list[str]) -> str:
    """The validator's refusal, naming the line it is about."""
    messages = []
    for error in exc.errors(include_url=False):
        location = error["loc"]
        message = str(error["msg"]).removeprefix("Value error, ")
        if len(location) > 1 and isinstance(location[1], int):
            message = f"“{lines[location[1]][:80]}”: {message}"
        elif error["type"] == "too_long":
            message = f"At most {MAX_EMBED_ORIGINS} origins."
        messages.append(message[:1].upper() + message[1:])
    return " ".join(dict.fromkeys(messages))


def _form_page(
    request: Request,
    viewer: Viewer,
    values: dict[str, str],
    errors: dict[str, str],
    status: int,
    editing: uuid.UUID | None = None,
) -> Response:
    return render(
        request,
        "dashboard/template_form.html",
        {
            "nav": "templates",
            "editing": str(editing) if editing else None,
            "values": values,
            "errors": errors,
            "use_cases": USE_CASES,
            "difficulties": DIFFICULTIES,
            "visibilities": VISIBILITIES,
        },
        viewer=viewer,
        status=status,
    )


@router.get("")
async def list_templates(request: Request, viewer: SignedIn) -> Response:
    async with unit_of_work(app_state(request).sessionmaker) as db:
        page = await templates.list_templates_page(
            db, viewer.workspace_id, paging(request), reader=reader(viewer)
        )
    return render(
        request, "dashboard/templates.html", {"nav": "templates", "page": page}, viewer=viewer
    )


@router.get("/new")
async def new_template(request: Request, viewer: SignedIn) -> Response:
    values = {
        "use_case": "hiring",
        "default_duration_minutes": "30",
        "default_difficulty": "intermediate",
        "language": "en",
        "visibility": "team",
    }
    return _form_page(request, viewer, values, {}, 200)


@router.post("/new")
async def create_template(request: Request, viewer: SignedIn, form: PostedForm) -> Response:
    errors: dict[str, str] = {}
    body = _template_body(form, errors)
    values = form.first_values()
    try:
        created = TemplateCreate.model_validate(body)
    except ValidationError as exc:
        return _form_page(request, viewer, values, {**field_errors(exc), **errors}, 422)
    if errors:
        return _form_page(request, viewer, values, errors, 422)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        template = await templates.create_template(db, viewer.workspace_id, created, viewer.user_id)
    return redirect(f"{PREFIX}/templates/{template.id}", "template_created")


def _wanted(template_id: str) -> uuid.UUID:
    wanted = parse_uuid(template_id)
    if wanted is None:
        raise NotFound("evaluation template")
    return wanted


@router.get("/{template_id}")
async def show_template(request: Request, viewer: SignedIn, template_id: str) -> Response:
    return await _detail(request, viewer, _wanted(template_id))


def _template_values(template: dict[str, Any]) -> dict[str, str]:
    values = {
        key: "" if template.get(key) is None else str(template[key])
        for key in (
            "template_name",
            "use_case",
            "description",
            "objective",
            "level",
            "requirements",
            "default_duration_minutes",
            "default_difficulty",
            "language",
            "status",
            "visibility",
        )
    }
    values["skills"] = ", ".join(template.get("skills") or [])
    return values


@router.get("/{template_id}/edit")
async def edit_template(request: Request, viewer: SignedIn, template_id: str) -> Response:
    wanted = _wanted(template_id)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        template = await templates.template_with_stages(
            db, viewer.workspace_id, wanted, reader(viewer)
        )
    return _form_page(request, viewer, _template_values(template), {}, 200, editing=wanted)


@router.post("/{template_id}/edit")
async def save_template(
    request: Request, viewer: SignedIn, template_id: str, form: PostedForm
) -> Response:
    wanted = _wanted(template_id)
    errors: dict[str, str] = {}
    body = _template_body(form, errors)
    if form.get("status"):
        body["status"] = form.get("status")
    values = form.first_values()
    try:
        update = TemplateUpdate.model_validate(body)
    except ValidationError as exc:
        errors = {**field_errors(exc), **errors}
    if errors:
        return _form_page(request, viewer, values, errors, 422, editing=wanted)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            await templates.update_template(db, viewer.workspace_id, wanted, update, reader(viewer))
    except AppError as exc:
        if exc.status == 404:
            raise
        return _form_page(request, viewer, values, issue_errors(exc), exc.status, editing=wanted)
    return redirect(f"{PREFIX}/templates/{wanted}", "template_saved")


def _questions(text: str) -> list[dict[str, Any]]:
    """One question per line; `Question text | dimension, dimension` names dimensions."""
    questions = []
    for line in text.splitlines():
        question, _, dimensions = line.partition("|")
        if question.strip():
            questions.append({"text": question.strip(), "dimensions": _labels(dimensions)})
    return questions


def _stage_body(form: Form, errors: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": form.get("type"),
        "stage_name": form.text("stage_name"),
        "stage_type": form.get("stage_type") or "ai_interview",
        "agent_profile_id": form.text("agent_profile_id"),
        "automation_rule": form.get("automation_rule") or "auto_advance",
        "questions": _questions(form.get("questions")),
        "pass_threshold": None,
    }
    for name in ("duration_minutes", "pass_threshold"):
        number = _int(form, name, errors)
        if number is not None:
            body[name] = number
    body.update(_mode_settings(form, body["stage_type"], errors))
    return body


def _settings_errors(exc: ValidationError) -> dict[str, str]:
    """Errors by form field: the mode settings' fields are not nested in the form."""
    errors: dict[str, str] = {}
    for key, message in field_errors(exc).items():
        if key.startswith("roleplay-"):  # one JSON field: the path goes into the message
            errors.setdefault("roleplay", f"{key.removeprefix('roleplay-')}: {message}")
            continue
        name = key.removeprefix("assessment-").removeprefix("practice-").removeprefix("review-")
        errors[name] = message
    return errors


def _mode_settings(form: Form, stage_type: str, errors: dict[str, str]) -> dict[str, Any]:
    """The settings only one stage kind uses, for that kind (docs/adr/0012-stage-modes.md)."""
    if stage_type == "async_assessment":
        numbers = {n: _int(form, n, errors) for n in ("prep_seconds", "answer_seconds", "retakes")}
        settings: dict[str, Any] = {n: v for n, v in numbers.items() if v is not None}
        if kinds := form.all("answer_kinds"):
            settings["answer_kinds"] = kinds
        return {"assessment": {**settings, "speak_questions": form.checked("speak_questions")}}
    if stage_type == "practice_session":
        return {"practice": {"share_transcript": form.get("share_transcript") == "yes"}}
    if stage_type == "manual_review":
        return {"review": {"reviewer_user_id": form.text("reviewer_user_id")}}
    if stage_type == "roleplay_simulation":
        return {"roleplay": _scenario(form.get("roleplay"), errors)}
    return {}


def _scenario(text: str, errors: dict[str, str]) -> Any:
    """The scenario typed as JSON (docs/roleplay.md); None (and an error) when it is not."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        errors["roleplay"] = f"Not valid JSON (line {exc.lineno}, column {exc.colno})"
        return None


def _reviewers(users: list[Any]) -> list[tuple[str, str]]:
    """The named-reviewer choices: the workspace's active users."""
    return [(str(u.id), u.email) for u in users if u.deactivated_at is None]


@router.post("/{template_id}/stages")
async def add_stage(
    request: Request, viewer: SignedIn, template_id: str, form: PostedForm
) -> Response:
    wanted = _wanted(template_id)
    errors: dict[str, str] = {}
    body = {"evaluation_template_id": str(wanted), **_stage_body(form, errors)}
    values = form.first_values()
    try:
        stage = StageCreate.model_validate(body)
    except ValidationError as exc:
        errors = {**_settings_errors(exc), **errors}
        return await _detail(request, viewer, wanted, values=values, errors=errors, status=422)
    if errors:
        return await _detail(request, viewer, wanted, values=values, errors=errors, status=422)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            await templates.create_stage(db, viewer.workspace_id, stage, reader(viewer))
    except AppError as exc:
        if exc.status == 404 and not exc.issues and exc.field != "agent_profile_id":
            raise
        errors = issue_errors(exc) if exc.issues else {"type": exc.message}
        if exc.field == "agent_profile_id":
            errors = {"agent_profile_id": exc.message}
        return await _detail(request, viewer, wanted, values=values, errors=errors, status=422)
    added = "stage_added" if stage.agent_profile_id else "stage_added_no_interviewer"
    return redirect(f"{PREFIX}/templates/{wanted}#stages", added)


@router.post("/{template_id}/apply")
async def apply_settings(
    request: Request, viewer: SignedIn, template_id: str, form: PostedForm
) -> Response:
    wanted = _wanted(template_id)
    update = TemplateUpdate.model_validate(
        {
            "apply": {
                "enabled": form.checked("enabled"),
                "requires_approval": form.checked("requires_approval"),
                "requires_otp": form.checked("requires_otp"),
            }
        }
    )
    async with unit_of_work(app_state(request).sessionmaker) as db:
        await templates.update_template(db, viewer.workspace_id, wanted, update, reader(viewer))
    return redirect(f"{PREFIX}/templates/{wanted}#apply", "template_saved")


@router.post("/{template_id}/embed")
async def embed_settings(
    request: Request, viewer: SignedIn, template_id: str, form: PostedForm
) -> Response:
    """The origins whose pages may frame this template's interviews (docs/embed.md §1),
    validated and canonicalised by the API's own schema; a refused list changes nothing."""
    wanted = _wanted(template_id)
    typed = form.get("embed_origins")
    lines = _origin_lines(typed)
    try:
        update = TemplateUpdate.model_validate({"embed_origins": lines})
    except ValidationError as exc:
        refused = EmbedForm(typed, _origins_error(exc, lines))
        return await _detail(request, viewer, wanted, embed=refused, status=422)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        await templates.update_template(db, viewer.workspace_id, wanted, update, reader(viewer))
    return redirect(f"{PREFIX}/templates/{wanted}#embedding", "embed_origins_saved")


@router.post("/{template_id}/applications/{application_id}/{decision}")
async def decide(
    request: Request,
    viewer: SignedIn,
    template_id: str,
    application_id: str,
    decision: str,
    form: PostedForm,
) -> Response:
    wanted = _wanted(template_id)
    application = parse_uuid(application_id)
    if application is None or decision not in ("approve", "reject", "advance"):
        raise NotFound("application")
    async with unit_of_work(app_state(request).sessionmaker) as db:
        seen_as = reader(viewer)
        await templates.get_template(db, viewer.workspace_id, wanted, seen_as)
        # the application's own template is checked too: the page's id proves nothing about it
        if decision == "advance":  # what POST /api/v1/applications/{id}/advance calls
            await progression.advance(
                db, viewer.workspace_id, application, links(request), utcnow(), seen_as
            )
        elif decision == "approve":
            await applications.approve(db, viewer.workspace_id, application, utcnow(), seen_as)
        else:
            await applications.reject(
                db, viewer.workspace_id, application, form.text("reason"), utcnow(), seen_as
            )
    notice = {"approve": "approved", "reject": "rejected"}.get(decision, "advanced")
    return redirect(f"{PREFIX}/templates/{wanted}#applications", notice)


def _stage_errors(exc: AppError) -> dict[str, str]:
    if exc.field == "agent_profile_id":
        return {"agent_profile_id": exc.message}
    return issue_errors(exc) if exc.issues else {"type": exc.message}


def _stage_values(stage: dict[str, Any]) -> dict[str, str]:
    """A stored stage as the stage form's values."""
    values = {
        key: "" if stage.get(key) is None else str(stage[key])
        for key in (
            "type",
            "stage_name",
            "stage_type",
            "agent_profile_id",
            "duration_minutes",
            "automation_rule",
            "status",
        )
    }
    threshold = stage.get("pass_threshold")
    values["pass_threshold"] = "" if threshold is None else f"{threshold:g}"
    assessment = stage.get("assessment") or {}
    values.update({k: str(v) for k, v in assessment.items()})
    values["answer_kinds"] = " ".join(assessment.get("answer_kinds") or [])
    values["speak_questions"] = "yes" if assessment.get("speak_questions") else ""
    shared = (stage.get("practice") or {}).get("share_transcript")
    values["share_transcript"] = "yes" if shared else ""
    values["reviewer_user_id"] = (stage.get("review") or {}).get("reviewer_user_id") or ""
    scenario = stage.get("roleplay")
    values["roleplay"] = json.dumps(scenario, indent=2, ensure_ascii=False) if scenario else ""
    values["questions"] = "\n".join(
        q["text"] + (f" | {', '.join(q['dimensions'])}" if q.get("dimensions") else "")
        for q in stage.get("questions") or []
    )
    return values


async def _stage_page(
    request: Request,
    viewer: Viewer,
    template_id: uuid.UUID,
    stage_id: uuid.UUID,
    values: dict[str, str] | None,
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    async with unit_of_work(app_state(request).sessionmaker) as db:
        template, profiles, reviewers = await _with_choices(db, viewer, template_id)
    stage = templates.stage_in(template, stage_id)
    if values is None:
        values = _stage_values(stage)
    return render(
        request,
        "dashboard/stage_form.html",
        {
            "nav": "templates",
            "template": template,
            "stage_label": stage["stage_name"] or stage["type"],
            "profiles": profiles.items,
            "reviewers": reviewers,
            "values": values,
            "errors": errors,
            "stage_types": STAGE_TYPES,
            "automation": AUTOMATION,
        },
        viewer=viewer,
        status=status,
    )


def _stage_ids(template_id: str, stage_id: str) -> tuple[uuid.UUID, uuid.UUID]:
    stage = parse_uuid(stage_id)
    if stage is None:
        raise NotFound("evaluation stage")
    return _wanted(template_id), stage


@router.get("/{template_id}/stages/{stage_id}/edit")
async def edit_stage(
    request: Request, viewer: SignedIn, template_id: str, stage_id: str
) -> Response:
    wanted, stage = _stage_ids(template_id, stage_id)
    return await _stage_page(request, viewer, wanted, stage, None, {})


@router.post("/{template_id}/stages/{stage_id}/edit")
async def save_stage(
    request: Request, viewer: SignedIn, template_id: str, stage_id: str, form: PostedForm
) -> Response:
    wanted, stage = _stage_ids(template_id, stage_id)
    errors: dict[str, str] = {}
    body = {**_stage_body(form, errors), "status": form.get("status") or "active"}
    values = form.first_values()
    try:
        update = StageUpdate.model_validate(body)
    except ValidationError as exc:
        errors = {**_settings_errors(exc), **errors}
    if errors:
        return await _stage_page(request, viewer, wanted, stage, values, errors, 422)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            await templates.stage_of_template(
                db, viewer.workspace_id, wanted, stage, reader(viewer)
            )
            saved_stage = await templates.update_stage(db, viewer.workspace_id, stage, update)
    except AppError as exc:
        if exc.status == 404 and exc.field != "agent_profile_id":
            raise
        return await _stage_page(request, viewer, wanted, stage, values, _stage_errors(exc), 422)
    saved = "stage_saved" if saved_stage.agent_profile_id else "stage_saved_no_interviewer"
    return redirect(f"{PREFIX}/templates/{wanted}#stages", saved)


@router.post("/{template_id}/stages/{stage_id}/delete")
async def delete_stage(
    request: Request, viewer: SignedIn, template_id: str, stage_id: str, form: PostedForm
) -> Response:
    wanted, stage = _stage_ids(template_id, stage_id)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        await templates.stage_of_template(db, viewer.workspace_id, wanted, stage, reader(viewer))
        await templates.delete_stage(db, viewer.workspace_id, stage)
    return redirect(f"{PREFIX}/templates/{wanted}#stages", "stage_deleted")
