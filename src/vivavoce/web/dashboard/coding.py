"""A stage's coding problem pool in the dashboard: list, add, delete (the API's services)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from vivavoce.api.state import app_state
from vivavoce.coding import problems
from vivavoce.coding.problem_schemas import ProblemCreate, problem_public
from vivavoce.coding.runtimes import Language
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import NotFound
from vivavoce.templates import service as templates
from vivavoce.web.dashboard.common import (
    PREFIX,
    DashRoute,
    Form,
    PostedForm,
    SignedIn,
    Viewer,
    field_errors,
    redirect,
    render,
)
from vivavoce.web.dashboard.templates import reader
from vivavoce.web.dashboard.views import parse_uuid

router = APIRouter(prefix=f"{PREFIX}/templates", route_class=DashRoute, include_in_schema=False)

LANGUAGES = tuple(language.value for language in Language)
EXAMPLE_TESTS = '[{"name": "example", "args": [1, 2], "expected": 3}]'


def _ids(template_id: str, stage_id: str) -> tuple[uuid.UUID, uuid.UUID]:
    template, stage = parse_uuid(template_id), parse_uuid(stage_id)
    if template is None or stage is None:
        raise NotFound("evaluation stage")
    return template, stage


def _tests(form: Form, name: str, errors: dict[str, str]) -> Any:
    text = form.get(name).strip() or "[]"
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        errors[name] = f"Not valid JSON: {error.msg} (line {error.lineno})"
        return []


def _number(form: Form, name: str, errors: dict[str, str]) -> float | None:
    text = form.text(name)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        errors[name] = "A number"
        return None


def _problem_body(form: Form, stage_id: uuid.UUID, errors: dict[str, str]) -> dict[str, Any]:
    languages = [value for value in form.all("languages") if value in LANGUAGES]
    limits = {
        "test_seconds": _number(form, "test_seconds", errors),
        "memory_mb": _number(form, "memory_mb", errors),
    }
    return {
        "evaluation_stage_id": str(stage_id),
        "title": form.get("title").strip(),
        "statement": form.get("statement").strip(),
        "entry": form.get("entry").strip(),
        "languages": languages,
        "starter_code": {
            lang: form.get(f"starter_{lang}") for lang in languages if form.text(f"starter_{lang}")
        },
        "visible_tests": _tests(form, "visible_tests", errors),
        "hidden_tests": _tests(form, "hidden_tests", errors),
        "limits": {
            key: int(value) if key == "memory_mb" else value
            for key, value in limits.items()
            if value is not None
        },
    }


async def _page(
    request: Request,
    viewer: Viewer,
    ids: tuple[uuid.UUID, uuid.UUID],
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    template_id, stage_id = ids
    async with unit_of_work(app_state(request).sessionmaker) as db:
        template = await templates.get_template(
            db, viewer.workspace_id, template_id, reader(viewer)
        )
        stage = await templates.get_stage(db, viewer.workspace_id, stage_id)
        if stage.evaluation_template_id != template.id:
            raise NotFound("evaluation stage")
        pool = await problems.pool(db, viewer.workspace_id, stage_id)
    context = {
        "nav": "templates",
        "template": template,
        "stage_label": stage.stage_name or stage.type,
        "problems": [problem_public(p) for p in pool],
        "languages": LANGUAGES,
        "values": values,
        "errors": errors,
        "base": f"{PREFIX}/templates/{template_id}/stages/{stage_id}/problems",
    }
    return render(request, "dashboard/coding_problems.html", context, viewer=viewer, status=status)


@router.get("/{template_id}/stages/{stage_id}/problems")
async def show_problems(
    request: Request, viewer: SignedIn, template_id: str, stage_id: str
) -> Response:
    values = {"visible_tests": EXAMPLE_TESTS, "hidden_tests": "[]", "languages": ["python"]}
    return await _page(request, viewer, _ids(template_id, stage_id), values, {})


@router.post("/{template_id}/stages/{stage_id}/problems")
async def add_problem(
    request: Request, viewer: SignedIn, template_id: str, stage_id: str, form: PostedForm
) -> Response:
    ids = _ids(template_id, stage_id)
    errors: dict[str, str] = {}
    body = _problem_body(form, ids[1], errors)
    values: dict[str, Any] = {**form.first_values(), "languages": body["languages"]}
    try:
        create = ProblemCreate.model_validate(body)
    except ValidationError as exc:
        errors = {**field_errors(exc), **errors}
    if errors:
        return await _page(request, viewer, ids, values, errors, 422)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        await templates.get_template(db, viewer.workspace_id, ids[0], reader(viewer))
        await problems.create(db, viewer.workspace_id, create)
    return redirect(f"{PREFIX}/templates/{ids[0]}/stages/{ids[1]}/problems", "problem_added")


@router.post("/{template_id}/stages/{stage_id}/problems/{problem_id}/delete")
async def delete_problem(
    request: Request,
    viewer: SignedIn,
    template_id: str,
    stage_id: str,
    problem_id: str,
    form: PostedForm,
) -> Response:
    ids = _ids(template_id, stage_id)
    wanted = parse_uuid(problem_id)
    if wanted is None:
        raise NotFound("coding problem")
    async with unit_of_work(app_state(request).sessionmaker) as db:
        await templates.get_template(db, viewer.workspace_id, ids[0], reader(viewer))
        await problems.delete(db, viewer.workspace_id, wanted, stage_id=ids[1])
    return redirect(f"{PREFIX}/templates/{ids[0]}/stages/{ids[1]}/problems", "problem_deleted")
