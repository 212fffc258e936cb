"""Agent profiles: list, create, edit. The form's dimension rows (`dim-N-…`) become the
profile's `evaluationDimensions`; the API's own body models validate it (weights sum to 100),
and their errors are shown next to the fields they concern."""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from vivavoce.agent_profiles import service as agent_profiles
from vivavoce.agent_profiles.schemas import (
    AgentProfileCreate,
    AgentProfileUpdate,
    Difficulty,
    ForkRequest,
    ProbingDepth,
    Style,
    Tone,
    UseCase,
    profile_public,
)
from vivavoce.api.state import app_state
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import AppError, NotFound
from vivavoce.kit.pagination import PageRequest
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

router = APIRouter(prefix=f"{PREFIX}/profiles", route_class=DashRoute, include_in_schema=False)

MAX_DIMENSIONS = 20
BLANK_ROWS = 2
DIMENSION_FIELDS = ("name", "description", "weight", "passThreshold")
# the choices come from the schema's literals, so a new value needs no edit here
CHOICES = {
    "useCase": get_args(UseCase),
    "tone": get_args(Tone),
    "style": get_args(Style),
    "difficulty": get_args(Difficulty),
    "probingDepth": get_args(ProbingDepth),
}


def _values_of(profile: dict[str, Any]) -> dict[str, str]:
    """A stored profile as form values."""
    values = {
        "name": profile["name"],
        "persona": profile["persona"],
        "useCase": profile["useCase"],
        "additionalInstructions": profile.get("additionalInstructions") or "",
        "overallPassThreshold": f"{profile['scoring'].get('overallPassThreshold', 7.0):g}",
        "organizationContext": profile["context"].get("organizationContext") or "",
        "domainContext": profile["context"].get("domainContext") or "",
    }
    for name in ("tone", "style", "difficulty", "probingDepth"):
        values[name] = profile["interaction"].get(name, "")
    for index, dimension in enumerate(profile["evaluationDimensions"]):
        values[f"dim-{index}-name"] = dimension["name"]
        values[f"dim-{index}-description"] = dimension["description"]
        values[f"dim-{index}-weight"] = f"{dimension['weight']:g}"
        threshold = dimension.get("passThreshold")
        values[f"dim-{index}-passThreshold"] = "" if threshold is None else f"{threshold:g}"
    return values


def _row_count(values: dict[str, str]) -> int:
    used = [
        index
        for index in range(MAX_DIMENSIONS)
        if any(values.get(f"dim-{index}-{name}") for name in DIMENSION_FIELDS)
    ]
    return min(MAX_DIMENSIONS, (max(used) + 1 if used else 0) + BLANK_ROWS)


def _number(value: str, key: str, errors: dict[str, str]) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        errors[key] = "Enter a number."
        return None


def _body(form: Form) -> tuple[dict[str, Any], dict[str, str], list[int]]:
    """The API body for the form, errors found while reading it, and which form row each
    dimension came from (pydantic reports list positions)."""
    errors: dict[str, str] = {}
    dimensions: list[dict[str, Any]] = []
    rows: list[int] = []
    for index in range(MAX_DIMENSIONS):
        raw = {name: form.get(f"dim-{index}-{name}").strip() for name in DIMENSION_FIELDS}
        if not any(raw.values()):
            continue
        dimension: dict[str, Any] = {"name": raw["name"], "description": raw["description"]}
        weight = _number(raw["weight"], f"dim-{index}-weight", errors)
        dimension["weight"] = weight if weight is not None else 0
        if not raw["weight"]:
            errors[f"dim-{index}-weight"] = "Enter a weight."
        threshold = _number(raw["passThreshold"], f"dim-{index}-passThreshold", errors)
        if threshold is not None:
            dimension["passThreshold"] = threshold
        dimensions.append(dimension)
        rows.append(index)
    scoring: dict[str, Any] = {}
    threshold = _number(form.get("overallPassThreshold"), "overallPassThreshold", errors)
    if threshold is not None:
        scoring["overallPassThreshold"] = threshold
    body: dict[str, Any] = {
        "name": form.get("name"),
        "persona": form.get("persona"),
        "useCase": form.get("useCase"),
        "evaluationDimensions": dimensions,
        "context": {
            "organizationContext": form.text("organizationContext"),
            "domainContext": form.text("domainContext"),
        },
        "interaction": {
            name: form.get(name) for name in ("tone", "style", "difficulty", "probingDepth")
        },
        "scoring": scoring,
        "additionalInstructions": form.text("additionalInstructions"),
    }
    return body, errors, rows


def _located(errors: dict[str, str], rows: list[int]) -> dict[str, str]:
    """`evaluationDimensions-1-weight` → `dim-<form row>-weight`; list-wide errors → `dims`."""
    located: dict[str, str] = {}
    for key, message in errors.items():
        parts = key.split("-")
        if parts[0] == "evaluationDimensions":
            if len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
                key = f"dim-{rows[int(parts[1])]}-{parts[2]}"
            else:
                key = "dims"
        elif parts[0] in ("interaction", "scoring", "context") and len(parts) > 1:
            key = parts[1]
        located.setdefault(key, message)
    return located


def _form_page(
    request: Request,
    viewer: Viewer,
    values: dict[str, str],
    errors: dict[str, str],
    profile: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "dashboard/profile_form.html",
        {
            "nav": "profiles",
            "values": values,
            "errors": errors,
            "profile": profile,
            "rows": _row_count(values),
            "max_rows": MAX_DIMENSIONS,
            "choices": CHOICES,
        },
        viewer=viewer,
        status=status,
    )


@router.get("")
async def list_profiles(request: Request, viewer: SignedIn) -> Response:
    async with unit_of_work(app_state(request).sessionmaker) as db:
        page = await agent_profiles.list_page(db, viewer.workspace_id, paging(request))
        library = await agent_profiles.list_page(
            db, viewer.workspace_id, PageRequest(limit=50), public=True
        )
    return render(
        request,
        "dashboard/profiles.html",
        {
            "nav": "profiles",
            "page": page,
            "library": library.items,
        },
        viewer=viewer,
    )


@router.post("/fork")
async def fork_profile(request: Request, viewer: SignedIn, form: PostedForm) -> Response:
    """A copy of a public profile in this workspace (POST /agent-profiles/fork's service)."""
    try:
        body = ForkRequest(sourceId=form.get("source_id")[:64] or "-")
    except ValidationError:
        raise NotFound("agent profile") from None
    async with unit_of_work(app_state(request).sessionmaker) as db:
        copy = await agent_profiles.fork(db, viewer.workspace_id, body)
    return redirect(f"{PREFIX}/profiles/{copy.id}", "profile_forked")


@router.get("/new")
async def new_profile(request: Request, viewer: SignedIn) -> Response:
    values = {
        "useCase": "hiring",
        "tone": "professional",
        "style": "structured",
        "difficulty": "medium",
        "probingDepth": "medium",
        "overallPassThreshold": "7",
    }
    return _form_page(request, viewer, values, {})


@router.post("/new")
async def create_profile(request: Request, viewer: SignedIn, form: PostedForm) -> Response:
    body, errors, rows = _body(form)
    values = form.first_values()
    try:
        created = AgentProfileCreate.model_validate(body)
    except ValidationError as exc:
        errors = {**_located(field_errors(exc), rows), **errors}
        return _form_page(request, viewer, values, errors, status=422)
    if errors:
        return _form_page(request, viewer, values, errors, status=422)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            profile = await agent_profiles.create(db, viewer.workspace_id, created)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _form_page(request, viewer, values, _located(issue_errors(exc), rows), status=422)
    return redirect(f"{PREFIX}/profiles/{profile.id}", "profile_created")


@router.get("/{profile_id}")
async def edit_profile(request: Request, viewer: SignedIn, profile_id: str) -> Response:
    wanted = parse_uuid(profile_id)
    if wanted is None:
        raise NotFound("agent profile")
    async with unit_of_work(app_state(request).sessionmaker) as db:
        profile = profile_public(await agent_profiles.get_own(db, viewer.workspace_id, wanted))
    return _form_page(request, viewer, _values_of(profile), {}, profile)


@router.post("/{profile_id}")
async def save_profile(
    request: Request, viewer: SignedIn, profile_id: str, form: PostedForm
) -> Response:
    wanted = parse_uuid(profile_id)
    if wanted is None:
        raise NotFound("agent profile")
    body, errors, rows = _body(form)
    values = form.first_values()
    async with unit_of_work(app_state(request).sessionmaker) as db:
        current = profile_public(await agent_profiles.get_own(db, viewer.workspace_id, wanted))
    try:
        update = AgentProfileUpdate.model_validate(body)
    except ValidationError as exc:
        errors = {**_located(field_errors(exc), rows), **errors}
        return _form_page(request, viewer, values, errors, current, status=422)
    if errors:
        return _form_page(request, viewer, values, errors, current, status=422)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        await agent_profiles.update(db, viewer.workspace_id, wanted, update)
    return redirect(f"{PREFIX}/profiles/{wanted}", "profile_saved")
