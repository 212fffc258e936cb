"""Compare candidates on a template: each one's latest scorecard of a stage, one column per
dimension, sorted on the server by any column (links that work without JavaScript), with
confidence and review state, and the shortlist (add, remove, show only the shortlist)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from vivavoce.api.state import app_state
from vivavoce.compare import service as compare
from vivavoce.compare.service import Order, Sort
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import NotFound
from vivavoce.web.dashboard import pictures
from vivavoce.web.dashboard.common import PREFIX, DashRoute, Form, PostedForm, SignedIn, redirect
from vivavoce.web.dashboard.common import render as render_page
from vivavoce.web.dashboard.templates import reader
from vivavoce.web.dashboard.views import parse_uuid
from vivavoce.workspaces import actors

router = APIRouter(prefix=f"{PREFIX}/templates", route_class=DashRoute, include_in_schema=False)

# What the page keeps in its links and forms: the stage shown, the sort, the filter.
_KEPT = ("stage", "sort", "order", "shortlisted")


def _kept(source: dict[str, str]) -> dict[str, str]:
    return {name: source[name][:120] for name in _KEPT if source.get(name)}


def _link(template_id: str, kept: dict[str, str], **changes: str | None) -> str:
    query = {**kept, **changes}
    clean = {key: value for key, value in query.items() if value}
    suffix = f"?{urlencode(clean)}" if clean else ""
    return f"{PREFIX}/templates/{template_id}/compare{suffix}"


def _sort_links(table: dict[str, Any], kept: dict[str, str]) -> dict[str, dict[str, str]]:
    """For each sortable column: the link that sorts by it (a second click reverses) and
    its `aria-sort` state."""
    current, order = table["sort"]["column"], table["sort"]["order"]
    columns = [*compare.FIXED_SORTS, *(f"dim:{d['id']}" for d in table["dimensions"])]
    links = {}
    for column in columns:
        active = column == current
        first = "asc" if column == "name" else "desc"
        next_order = ("asc" if order == "desc" else "desc") if active else first
        links[column] = {
            "href": _link(table["evaluation_template_id"], kept, sort=column, order=next_order),
            "aria": ("ascending" if order == "asc" else "descending") if active else "",
        }
    return links


@router.get("/{template_id}/compare")
async def compare_page(request: Request, viewer: SignedIn, template_id: str) -> Response:
    wanted = parse_uuid(template_id)
    if wanted is None:
        raise NotFound("evaluation template")
    query = request.query_params
    kept = _kept(dict(query))
    order: Order = "asc" if query.get("order") == "asc" else "desc"
    async with unit_of_work(app_state(request).sessionmaker) as db:
        table = await compare.comparison(
            db,
            viewer.workspace_id,
            wanted,
            reader(viewer),
            stage=query.get("stage") or None,
            sort=Sort(query.get("sort") or "score", order),
            shortlisted_only=query.get("shortlisted") == "1",
        )
    stage_kept = {k: v for k, v in kept.items() if k != "stage"}
    return render_page(
        request,
        "dashboard/compare.html",
        {
            "nav": "templates",
            "table": table,
            "kept": kept,
            "sort_links": _sort_links(table, kept),
            "distributions": pictures.distributions(table),
            "stage_links": {
                s["type"]: _link(str(wanted), {**stage_kept, "stage": s["type"]})
                for s in table["stages"]
            },
            "all_link": _link(str(wanted), kept, shortlisted=None),
            "shortlist_link": _link(str(wanted), kept, shortlisted="1"),
            "only_shortlisted": kept.get("shortlisted") == "1",
        },
        viewer=viewer,
    )


def _back(template_id: str, form: Form) -> str:
    return _link(template_id, _kept(form.first_values()))


@router.post("/{template_id}/shortlist/{candidate_id}/{change}")
async def change_shortlist(
    request: Request,
    viewer: SignedIn,
    template_id: str,
    candidate_id: str,
    change: str,
    form: PostedForm,
) -> Response:
    wanted, candidate = parse_uuid(template_id), parse_uuid(candidate_id)
    if wanted is None or candidate is None or change not in ("add", "remove"):
        raise NotFound("participant")
    async with unit_of_work(app_state(request).sessionmaker) as db:
        if change == "add":
            actor = actors.dashboard_reviewer(viewer.user_id, viewer.email)
            await compare.add(
                db, viewer.workspace_id, wanted, candidate, reader(viewer), actor, utcnow()
            )
        else:
            await compare.remove(db, viewer.workspace_id, wanted, candidate, reader(viewer))
    notice = "shortlisted" if change == "add" else "unshortlisted"
    return redirect(_back(str(wanted), form), notice)
