"""Workspace settings (admins only): the display name and the slug that `accountSlug` must
name — a customer moving from Intervyo sets it to their Intervyo team slug. The rules (the
slug's characters and length, uniqueness) are the workspaces service's, the same as for
`vivavoce workspaces rename` and `PATCH /api/v1/workspace`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from vivavoce.api.state import app_state
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Conflict, Unprocessable
from vivavoce.web.dashboard.common import (
    PREFIX,
    Admin,
    DashRoute,
    PostedForm,
    Viewer,
    issue_errors,
    redirect,
    render,
)
from vivavoce.workspaces import service as workspaces

router = APIRouter(prefix=f"{PREFIX}/settings", route_class=DashRoute, include_in_schema=False)


async def _settings_page(
    request: Request,
    viewer: Viewer,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with unit_of_work(app_state(request).sessionmaker) as db:
        workspace = await workspaces.get_workspace(db, viewer.workspace_id)
    current = {"slug": workspace.slug, "name": workspace.name}
    return render(
        request,
        "dashboard/settings.html",
        {
            "nav": "settings",
            "current": current,
            "values": values or current,
            "errors": errors or {},
        },
        viewer=viewer,
        status=status,
    )


@router.get("")
async def settings(request: Request, viewer: Admin) -> Response:
    return await _settings_page(request, viewer)


@router.post("")
async def save_settings(request: Request, viewer: Admin, form: PostedForm) -> Response:
    values = {"slug": form.get("slug").strip(), "name": form.get("name").strip()}
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            await workspaces.rename_workspace(
                db, viewer.workspace_id, slug=values["slug"], name=values["name"]
            )
    except Unprocessable as exc:
        return await _settings_page(
            request, viewer, values=values, errors=issue_errors(exc), status=422
        )
    except Conflict as exc:
        errors = {"slug": f"Another workspace already uses `{values['slug']}`. Choose another."}
        return await _settings_page(
            request, viewer, values=values, errors=errors, status=exc.status
        )
    return redirect(f"{PREFIX}/settings", "settings_saved")
