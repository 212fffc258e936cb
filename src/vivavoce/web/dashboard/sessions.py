"""Sessions: the filtered list, scheduling one (its join link to copy), the session page
(live transcript, scorecard with citations, authenticity signals, recording); its live
stream is `session_live`."""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from vivavoce.api.state import app_state
from vivavoce.assessments import playback as assessment_playback
from vivavoce.coding import service as coding
from vivavoce.coding.schemas import execution_public
from vivavoce.compare import service as compare
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import AppError
from vivavoce.kit.pagination import PageRequest
from vivavoce.participants import service as participants
from vivavoce.scoring import manual_review, review
from vivavoce.sessions import service as sessions
from vivavoce.sessions import signals, transcript
from vivavoce.sessions.modes import mode_of
from vivavoce.sessions.schemas import SessionCreate, SessionFilters
from vivavoce.sessions.state import Status, is_open
from vivavoce.templates import service as templates
from vivavoce.templates.schemas import roleplay_scenario
from vivavoce.voice import marks
from vivavoce.web.dashboard import pictures, session_live
from vivavoce.web.dashboard.common import (
    PREFIX,
    DashRoute,
    PostedForm,
    SignedIn,
    Viewer,
    field_errors,
    issue_errors,
    redirect,
    render,
)
from vivavoce.web.dashboard.review_views import ai_dimension_scores, audit_rows, review_defaults
from vivavoce.web.dashboard.session_live import wanted_session
from vivavoce.web.dashboard.templates import reader
from vivavoce.web.dashboard.views import Names, links, paging, parse_uuid

router = APIRouter(prefix=f"{PREFIX}/sessions", route_class=DashRoute, include_in_schema=False)

STATUSES = tuple(s.value for s in Status)


@router.get("")
async def list_sessions(request: Request, viewer: SignedIn) -> Response:
    query = request.query_params
    status = query.get("status") or None
    template_id = parse_uuid(query.get("template"))
    stage = (query.get("stage") or "").strip()[:64] or None
    async with unit_of_work(app_state(request).sessionmaker) as db:
        if template_id is not None:
            await templates.get_template(db, viewer.workspace_id, template_id, reader(viewer))
        filters = SessionFilters(
            status=status if status in STATUSES else None,
            template_id=template_id,
            stage=stage,
            hidden_template_ids=await templates.hidden_from(
                db, viewer.workspace_id, reader(viewer)
            ),
        )
        page = await sessions.list_page(
            db, viewer.workspace_id, filters, paging(request), links(request)
        )
        names = Names()
        await names.load(db, viewer.workspace_id, page.items)
        choices = await templates.list_templates_page(
            db, viewer.workspace_id, PageRequest(limit=100), reader=reader(viewer)
        )
    stage_types = sorted({s["type"] for t in choices.items for s in t.get("stages") or []})
    kept = {
        key: value
        for key, value in (
            ("status", filters.status),
            ("template", str(template_id) if template_id else None),
            ("stage", stage),
        )
        if value
    }
    return render(
        request,
        "dashboard/sessions.html",
        {
            "nav": "sessions",
            "page": page,
            "names": names,
            "statuses": STATUSES,
            "template_choices": choices.items,
            "stage_types": stage_types,
            "filters": kept,
        },
        viewer=viewer,
    )


async def _new_page(
    request: Request,
    viewer: Viewer,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    async with unit_of_work(app_state(request).sessionmaker) as db:
        people = await participants.list_page(
            db, viewer.workspace_id, PageRequest(limit=100), status="active", reader=reader(viewer)
        )
        choices = await templates.list_templates_page(
            db, viewer.workspace_id, PageRequest(limit=100), status="active", reader=reader(viewer)
        )
    staged = [t for t in choices.items if t.get("stages")]
    if not values.get("stage"):
        values = {**values, "stage": _only_stage(staged, people.items, values.get("participant"))}
    return render(
        request,
        "dashboard/session_new.html",
        {
            "nav": "sessions",
            "people": people.items,
            "zones": zones(),
            "template_choices": staged,
            "template_names": {t["id"]: t["template_name"] for t in choices.items},
            "values": values,
            "errors": errors,
        },
        viewer=viewer,
        status=status,
    )


def _only_stage(
    staged: list[dict[str, Any]], people: list[dict[str, Any]], participant: str | None
) -> str:
    """The stage to preselect: the only one there is, or the only one of the chosen
    participant's template; else none."""
    template_of = {p["id"]: p.get("evaluation_template_id") for p in people}
    mine = [t for t in staged if t["id"] == template_of.get(participant or "")]
    keys = [f"{t['id']}:{s['type']}" for t in (mine or staged) for s in t["stages"]]
    return keys[0] if len(keys) == 1 else ""


@functools.cache
def zones() -> tuple[str, ...]:
    """Every IANA time zone this server knows (the picker's list), sorted."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def zone_error(zone: str) -> str | None:
    """None for a known zone, else what to type instead ("Berlin" → Europe/Berlin)."""
    if zone in zones():
        return None
    wanted = zone.strip().replace(" ", "_").lower()
    close = [z for z in zones() if z.lower().rsplit("/", 1)[-1] == wanted]
    if close:
        return f"Choose a time zone from the list: did you mean {' or '.join(close[:3])}?"
    return "Choose a time zone from the list (a region and city, such as Europe/Berlin)."


@router.get("/new")
async def new_session(request: Request, viewer: SignedIn) -> Response:
    values = {"timezone": "UTC", "participant": request.query_params.get("participant", "")}
    return await _new_page(request, viewer, values, {})


def _scheduled_at(text: str | None, zone: str, errors: dict[str, str]) -> str | None:
    """A `datetime-local` value read in `zone`, as an ISO time with its offset."""
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        errors["scheduled_at"] = "Enter a date and time."
        return None
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # the timezone field gets its own error from the body model
    return local.replace(tzinfo=local.tzinfo or tz).isoformat()


@router.post("/new")
async def schedule(request: Request, viewer: SignedIn, form: PostedForm) -> Response:
    values = form.first_values()
    errors: dict[str, str] = {}
    template_id, _, stage = form.get("stage").partition(":")
    if not stage:
        errors["stage"] = "Choose the template stage to interview for."
    zone = form.get("timezone").strip() or "UTC"
    if (wrong_zone := zone_error(zone)) is not None:
        errors["timezone"] = wrong_zone
    body: dict[str, Any] = {
        "candidate_id": form.get("participant"),
        "evaluation_template_id": template_id or None,
        "stage": stage,
        "timezone": zone,
        "notes": form.text("notes"),
        "scheduled_at": _scheduled_at(form.text("scheduled_at"), zone, errors),
    }
    names = {"candidate_id": "participant", "evaluation_template_id": "stage"}
    try:
        created = SessionCreate.model_validate(body)
    except ValidationError as exc:
        errors = {**field_errors(exc, names), **errors}
        return await _new_page(request, viewer, values, errors, 422)
    if errors:
        return await _new_page(request, viewer, values, errors, 422)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            result = await sessions.schedule(
                db,
                viewer.workspace_id,
                created,
                links(request),
                utcnow(),
                source="dashboard",
                reader=reader(viewer),
            )
    except AppError as exc:
        if exc.issues:
            errors = issue_errors(exc, names)
        elif exc.resource == "participant":
            errors = {"participant": exc.message[:1].upper() + exc.message[1:] + "."}
        else:
            errors = {"stage": exc.message[:1].upper() + exc.message[1:] + "."}
        return await _new_page(request, viewer, values, errors, exc.status)
    return redirect(f"{PREFIX}/sessions/{result.session.id}?scheduled=1")


def _citations(breakdown: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{**item, "citations": list(item.get("citations") or [])} for item in (breakdown or [])]


async def _against_others(db: Any, viewer: Viewer, session: dict[str, Any]) -> list[Any]:
    """This candidate's scores drawn on the distributions of everyone compared on the stage."""
    if session.get("score") is None:
        return []
    table = await compare.comparison(
        db,
        viewer.workspace_id,
        uuid.UUID(session["evaluation_template_id"]),
        reader(viewer),
        stage=session["stage"],
    )
    marks = {"overall": float(session["score"])}
    for item in session.get("evaluation_breakdown") or []:
        if item.get("score") is not None:
            marks[str(item["dimension_id"])] = float(item["score"])
    return pictures.distributions(table, marks, prefix="against")


@router.get("/{session_id}")
async def show_session(request: Request, viewer: SignedIn, session_id: str) -> Response:
    return await session_page(request, viewer, wanted_session(session_id))


async def session_page(
    request: Request,
    viewer: Viewer,
    wanted: uuid.UUID,
    *,
    review_values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    keep_reason: str = "",
) -> Response:
    """The session page; a refused review form comes back with its values and errors (or,
    when the scorecard moved on, with its new values and the reason that was typed)."""
    link = links(request)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        session = link.public(
            await sessions.get_visible(db, viewer.workspace_id, wanted, reader(viewer))
        )
        shared = await sessions.transcript_shared(
            db, await sessions.get(db, viewer.workspace_id, wanted)
        )
        turns = await transcript.transcript(db, viewer.workspace_id, wanted) if shared else []
        report = await signals.report(db, viewer.workspace_id, wanted)
        person = await participants.get(db, viewer.workspace_id, uuid.UUID(session["candidate_id"]))
        template = await templates.get_template(
            db, viewer.workspace_id, uuid.UUID(session["evaluation_template_id"])
        )
        stage = await templates.get_stage(
            db, viewer.workspace_id, uuid.UUID(session["evaluation_stage_id"])
        )
        history = await review.history(db, viewer.workspace_id, wanted)
        shown = _Shown(stage.stage_type, template.success_outcome, roleplay_scenario(stage), shared)
        by_mode = await _mode_context(db, viewer, wanted, shown, link)
        spans = await marks.turn_spans(db, viewer.workspace_id, wanted) if shared else {}
        against = await _against_others(db, viewer, session)
        runs = [
            execution_public(r) for r in await coding.for_session(db, viewer.workspace_id, wanted)
        ]
    live = shared and is_open(session["status"])
    breakdown = _citations(session.get("evaluation_breakdown"))
    values = review_values or {**review_defaults(session, breakdown), "reason": keep_reason}
    return render(
        request,
        "dashboard/session.html",
        {
            "nav": "sessions",
            "session": session,
            "turns": turns,
            "last_turn": turns[-1]["index"] if turns else -1,
            "live": live,
            "following": shared and not session_live.finished(session),
            "shown_state": json.dumps({key: session.get(key) for key in session_live.SHOWN}),
            "breakdown": breakdown,
            "spans": spans,
            "against": against,
            "timeline_strip": pictures.session_timeline(turns, report["timeline"]),
            "summary": report["summary"],
            "timeline": report["timeline"],
            "person": {"id": str(person.id), "name": person.name, "email": person.email},
            "template": {"id": str(template.id), "name": template.template_name},
            "stage_name": stage.stage_name or stage.type,
            "transcript_shared": shared,
            "viewer_id": str(viewer.user_id),
            **by_mode,
            "just_scheduled": request.query_params.get("scheduled") == "1",
            "review": history["review"],
            "audit": audit_rows(history["reviews"], breakdown),
            "ai_scorecard": history["ai_scorecard"],
            "ai_dims": ai_dimension_scores(history["ai_scorecard"]),
            "values": values,
            "errors": errors or {},
            "code_runs": runs,
        },
        viewer=viewer,
        status=status,
    )


@dataclass(frozen=True)
class _Shown:
    stage_type: str
    success_outcome: str
    scenario: dict[str, Any] | None
    transcript_shared: bool


async def _mode_context(
    db: Any, viewer: Viewer, wanted: uuid.UUID, shown: _Shown, link: sessions.SessionLinks
) -> dict[str, Any]:
    """What the session page shows of its stage's mode: the reviewer's form, a one-way
    assessment's recorded answers, a role-play's scenario."""
    mode = mode_of(shown.stage_type)
    reviewer = await manual_review.reviewer_context(
        db, viewer.workspace_id, wanted, mode, shown.success_outcome
    )
    answer_media = (
        await assessment_playback.recorded_answers(
            db, viewer.workspace_id, wanted, link.public_url, link.secret_key, utcnow()
        )
        if shown.transcript_shared and mode == "async"
        else {}
    )
    roleplay = shown.stage_type == "roleplay_simulation"
    return {
        "stage_type": shown.stage_type,
        "mode": mode,
        "practice": shown.stage_type == "practice_session",
        "roleplay": shown.scenario if roleplay else None,
        "answer_media": answer_media,
        **reviewer,
    }


@router.post("/{session_id}/cancel")
async def cancel(request: Request, viewer: SignedIn, session_id: str, form: PostedForm) -> Response:
    wanted = wanted_session(session_id)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        seen_as = reader(viewer)
        await sessions.cancel(db, viewer.workspace_id, wanted, links(request), utcnow(), seen_as)
    return redirect(f"{PREFIX}/sessions/{wanted}", "cancelled")
