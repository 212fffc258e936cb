"""Participants: the list (by template), adding one, and a CSV upload through the bulk
service (emails already used for the template are skipped and listed)."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from vivavoce.api.state import app_state
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import AppError, Conflict
from vivavoce.kit.pagination import PageRequest
from vivavoce.participants import service as participants
from vivavoce.participants.schemas import MAX_BULK, BulkCreate, ParticipantCreate
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader
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
from vivavoce.web.dashboard.views import paging, parse_uuid

router = APIRouter(prefix=f"{PREFIX}/participants", route_class=DashRoute, include_in_schema=False)

MAX_CSV_BYTES = 512 * 1024
CSV_COLUMNS = ("name", "email", "external_id", "phone", "tags")


async def _page(
    request: Request,
    viewer: Viewer,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    upload: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    template_filter = parse_uuid(request.query_params.get("template"))
    seen_as = Reader(viewer.user_id)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        page = await participants.list_page(
            db, viewer.workspace_id, paging(request), template_id=template_filter, reader=seen_as
        )
        choices = await templates.list_templates_page(
            db, viewer.workspace_id, PageRequest(limit=100), reader=seen_as
        )
        # the page's own templates, in one query, even beyond the first 100 choices
        used = {parse_uuid(p.get("evaluation_template_id")) for p in page.items}
        shown = await templates.get_templates(
            db, viewer.workspace_id, {t for t in used if t is not None}
        )
    template_names = {t["id"]: t["template_name"] for t in choices.items}
    template_names.update({str(t.id): t.template_name for t in shown.values() if seen_as.sees(t)})
    return render(
        request,
        "dashboard/participants.html",
        {
            "nav": "participants",
            "page": page,
            "template_choices": choices.items,
            "template_options": [(t["id"], t["template_name"]) for t in choices.items],
            "template_names": template_names,
            "template_filter": str(template_filter) if template_filter else "",
            "values": values or {},
            "errors": errors or {},
            "upload": upload,
        },
        viewer=viewer,
        status=status,
    )


@router.get("")
async def list_participants(request: Request, viewer: SignedIn) -> Response:
    return await _page(request, viewer)


def _one(form: Form) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": form.get("name"),
        "email": form.get("email").strip(),
        "evaluation_template_id": form.text("evaluation_template_id"),
        "external_id": form.text("external_id"),
        "phone": form.text("phone"),
    }
    return body


@router.post("")
async def add_participant(request: Request, viewer: SignedIn, form: PostedForm) -> Response:
    values = form.first_values()
    try:
        body = ParticipantCreate.model_validate(_one(form))
    except ValidationError as exc:
        return await _page(request, viewer, values=values, errors=field_errors(exc), status=422)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            await participants.create(db, viewer.workspace_id, body, Reader(viewer.user_id))
    except Conflict:
        errors = {"email": "This email is already a participant of this template."}
        return await _page(request, viewer, values=values, errors=errors, status=409)
    except AppError as exc:
        errors = issue_errors(exc)
        if exc.status == 404:
            errors = {"evaluation_template_id": "Choose a template of this workspace."}
        return await _page(request, viewer, values=values, errors=errors, status=422)
    return redirect(f"{PREFIX}/participants", "participant_added")


def _rows(data: bytes) -> tuple[list[dict[str, Any]], list[str]]:
    """CSV rows (a header row naming at least `name` and `email`) as participant bodies."""
    problems: list[str] = []
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "name" not in header or "email" not in header:
        return [], ["The first row must name the columns, with at least name and email."]
    reader.fieldnames = header
    bodies: list[dict[str, Any]] = []
    for line, row in enumerate(reader, start=2):
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        body: dict[str, Any] = {
            "name": (row.get("name") or "").strip(),
            "email": (row.get("email") or "").strip(),
        }
        for column in ("external_id", "phone"):
            value = (row.get(column) or "").strip()
            if value:
                body[column] = value
        tags = [t.strip() for t in (row.get("tags") or "").replace(";", ",").split(",")]
        if any(tags):
            body["tags"] = [t for t in tags if t]
        try:
            ParticipantCreate.model_validate(body)
        except ValidationError as exc:
            reasons = "; ".join(f"{k}: {v}" for k, v in field_errors(exc).items())
            problems.append(f"Line {line}: {reasons}")
            continue
        bodies.append(body)
    if len(bodies) > MAX_BULK:
        problems.append(f"At most {MAX_BULK} participants per file (this one has {len(bodies)}).")
    return bodies, problems


@router.post("/upload")
async def upload_csv(request: Request, viewer: SignedIn, form: PostedForm) -> Response:
    values = form.first_values()
    template_id = form.text("evaluation_template_id")
    uploaded = form.files.get("file")
    errors: dict[str, str] = {}
    if uploaded is None or not uploaded[1].strip():
        errors["file"] = "Choose a CSV file with a header row: name,email (external_id, phone…)."
    elif len(uploaded[1]) > MAX_CSV_BYTES:
        errors["file"] = f"The file is larger than {MAX_CSV_BYTES // 1024} kB."
    if not template_id:
        errors["upload_template"] = "Choose the template these people apply to."
    if errors:
        return await _page(request, viewer, values=values, errors=errors, status=422)
    assert uploaded is not None
    bodies, problems = _rows(uploaded[1])
    if problems or not bodies:
        errors["file"] = " ".join(problems[:5]) or "The file has no participants."
        return await _page(request, viewer, values=values, errors=errors, status=422)
    try:
        batch = BulkCreate.model_validate(
            {"participants": bodies, "evaluation_template_id": template_id}
        )
        async with unit_of_work(app_state(request).sessionmaker) as db:
            result = await participants.bulk_create(
                db, viewer.workspace_id, batch, Reader(viewer.user_id)
            )
    except (ValidationError, AppError):
        errors["upload_template"] = "Choose a template of this workspace."
        return await _page(request, viewer, values=values, errors=errors, status=422)
    upload = {
        "filename": uploaded[0],
        "created": len(result.created),
        "skipped": [s.as_dict() for s in result.skipped],
    }
    return await _page(request, viewer, upload=upload)
