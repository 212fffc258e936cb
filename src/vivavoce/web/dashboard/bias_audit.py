"""The bias audit of a template (docs/bias-audit.md): per group of sex, race / ethnicity and
their intersection, selection rates and impact ratios with the four-fifths line drawn, small
groups withheld, and the same table as CSV. The service is the one behind
`GET /api/v1/reports/bias-audit`."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from vivavoce.api.state import app_state
from vivavoce.bias_audit import export
from vivavoce.bias_audit import service as bias_audit
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import NotFound, Unprocessable
from vivavoce.web import charts
from vivavoce.web.dashboard.common import PREFIX, DashRoute, SignedIn
from vivavoce.web.dashboard.common import render as render_page
from vivavoce.web.dashboard.templates import reader
from vivavoce.web.dashboard.views import parse_uuid

router = APIRouter(prefix=f"{PREFIX}/templates", route_class=DashRoute, include_in_schema=False)

_FIELDS = ("stage", "from", "to", "min_group_size")


class _Query:
    """The page's filters as typed, and what they mean (errors next to their field)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = {name: values.get(name, "")[:64].strip() for name in _FIELDS}
        self.errors: dict[str, str] = {}
        self.start = self._date("from")
        self.end = self._date("to")
        self.minimum = self._int("min_group_size")

    def _date(self, name: str) -> date | None:
        text = self.values[name]
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors[name] = "A date such as 2026-01-31"
            return None

    def _int(self, name: str) -> int | None:
        text = self.values[name]
        if not text:
            return None
        if not text.isdigit() or not 1 <= int(text) <= 1000:
            self.errors[name] = "A whole number from 1 to 1000"
            return None
        return int(text)

    def link(self, template_id: str, suffix: str = "") -> str:
        clean = {k: v for k, v in self.values.items() if v}
        query = f"?{urlencode(clean)}" if clean else ""
        return f"{PREFIX}/templates/{template_id}/bias-audit{suffix}{query}"


_ISSUE_FIELDS = {"to": "to", "from": "from", "stage": "stage", "min_group_size": "min_group_size"}


async def _report(request: Request, viewer: SignedIn, template_id: str, query: _Query) -> Any:
    wanted = parse_uuid(template_id)
    if wanted is None:
        raise NotFound("evaluation template")
    settings = app_state(request).settings
    async with unit_of_work(app_state(request).sessionmaker) as db:
        try:
            minimum = bias_audit.min_group_size(settings, query.minimum)
            return await bias_audit.report(
                db,
                viewer.workspace_id,
                wanted,
                reader(viewer),
                stage=query.values["stage"] or None,
                start=query.start,
                end=query.end,
                minimum=minimum,
            )
        except Unprocessable as exc:
            for issue in exc.issues:
                name = _ISSUE_FIELDS.get(str(issue.path[-1]), "stage")
                query.errors[name] = f"{exc.message[:1].upper()}{exc.message[1:]}: {issue.message}"
            # the same page without the refused filter, so the form can be corrected
            return await bias_audit.report(
                db,
                viewer.workspace_id,
                wanted,
                reader(viewer),
                stage=None,
                start=None,
                end=None,
                minimum=settings.bias_audit_min_group_size,
            )


def _chart(table: dict[str, Any], report: dict[str, Any]) -> Markup:
    minimum = report["min_group_size"]
    bars = [
        charts.RateBar(
            label=group["label"],
            rate=group["selection_rate"],
            below=bool(group["below_four_fifths"]),
            note=f"fewer than {minimum}: not shown" if group["suppressed"] else "no candidates",
        )
        for group in table["groups"]
        if group["suppressed"] or group["candidates"]
    ]
    title = f"Selection rate by {table['label'].lower()}"
    return charts.selection_rates(
        f"audit-{table['category']}", title, bars, report["four_fifths_threshold"]
    )


@router.get("/{template_id}/bias-audit")
async def bias_audit_page(request: Request, viewer: SignedIn, template_id: str) -> Response:
    query = _Query(dict(request.query_params))
    report = await _report(request, viewer, template_id, query)
    return render_page(
        request,
        "dashboard/bias_audit.html",
        {
            "nav": "templates",
            "report": report,
            "charts": {t["category"]: _chart(t, report) for t in report["categories"]},
            "values": query.values,
            "errors": query.errors,
            "csv_link": query.link(report["evaluation_template_id"], ".csv"),
        },
        viewer=viewer,
        status=422 if query.errors else 200,
    )


@router.get("/{template_id}/bias-audit.csv")
async def bias_audit_csv(request: Request, viewer: SignedIn, template_id: str) -> Response:
    query = _Query(dict(request.query_params))
    if query.errors:  # refused before any report is computed
        raise Unprocessable("; ".join(query.errors.values()))
    report = await _report(request, viewer, template_id, query)
    name = export.file_name(report)
    return Response(
        export.to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
