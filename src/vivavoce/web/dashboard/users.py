"""Users (admins only): who may sign in to the workspace's dashboard. An admin adds a member
or an admin with a first password they choose and hand over themselves (vivavoce never shows
it again and sends no email), changes roles, ends a user's sessions everywhere, and
deactivates or reactivates users. The rules (one active admin at least, passwords of 10+
characters, unique emails) live in the workspaces service."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from vivavoce.api.state import app_state
from vivavoce.kit.clock import isoformat_z, utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import AppError, NotFound
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
from vivavoce.web.dashboard.views import parse_uuid
from vivavoce.workspaces import service as workspaces
from vivavoce.workspaces.scopes import ROLES

router = APIRouter(prefix=f"{PREFIX}/users", route_class=DashRoute, include_in_schema=False)


async def _users_page(
    request: Request,
    viewer: Viewer,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    row_error: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with unit_of_work(app_state(request).sessionmaker) as db:
        users = await workspaces.list_users(db, viewer.workspace_id)
    rows: list[dict[str, Any]] = [
        {
            "id": str(user.id),
            "email": user.email,
            "role": user.role,
            "active": user.deactivated_at is None,
            "you": user.id == viewer.user_id,
            "created_at": isoformat_z(user.created_at),
            "last_login_at": isoformat_z(user.last_login_at),
            "deactivated_at": isoformat_z(user.deactivated_at),
        }
        for user in users
    ]
    return render(
        request,
        "dashboard/users.html",
        {
            "nav": "users",
            "users": rows,
            "roles": ROLES,
            "values": values or {"role": "member"},
            "errors": errors or {},
            "row_error": row_error,
        },
        viewer=viewer,
        status=status,
        headers={"Cache-Control": "no-store"},
    )


@router.get("")
async def list_users(request: Request, viewer: Admin) -> Response:
    return await _users_page(request, viewer)


@router.post("")
async def create_user(request: Request, viewer: Admin, form: PostedForm) -> Response:
    values = {"email": form.get("email").strip()[:320], "role": form.get("role")}
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            await workspaces.create_user(
                db, viewer.workspace_id, values["email"], form.get("password"), values["role"]
            )
    except AppError as exc:
        errors = issue_errors(exc)
        if exc.code == "user_exists":
            errors = {"email": "Someone already signs in with this email address."}
        return await _users_page(request, viewer, values=values, errors=errors, status=exc.status)
    return redirect(f"{PREFIX}/users", "user_added")


def _user_id(user_id: str) -> uuid.UUID:
    wanted = parse_uuid(user_id)
    if wanted is None:
        raise NotFound("user")
    return wanted


async def _act(request: Request, viewer: Viewer, user_id: str, action: str, role: str) -> Response:
    wanted = _user_id(user_id)
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            if action == "role":
                await workspaces.change_role(db, viewer.workspace_id, wanted, role)
            elif action == "deactivate":
                await workspaces.deactivate_user(db, viewer.workspace_id, wanted, utcnow())
            elif action == "reactivate":
                await workspaces.reactivate_user(db, viewer.workspace_id, wanted)
            else:
                await workspaces.end_sessions(db, viewer.workspace_id, wanted)
    except AppError as exc:
        if isinstance(exc, NotFound):
            raise
        message = issue_errors(exc).get("role") or exc.message
        return await _users_page(
            request, viewer, row_error=(str(wanted), message), status=exc.status
        )
    if wanted == viewer.user_id and action in ("deactivate", "sign_out"):
        return redirect(f"{PREFIX}/login", "signed_out")
    notice = {
        "role": "role_changed",
        "deactivate": "user_deactivated",
        "reactivate": "user_reactivated",
    }.get(action, "sessions_ended")
    return redirect(f"{PREFIX}/users", notice)


@router.post("/{user_id}/role")
async def change_role(request: Request, viewer: Admin, user_id: str, form: PostedForm) -> Response:
    return await _act(request, viewer, user_id, "role", form.get("role"))


@router.post("/{user_id}/deactivate")
async def deactivate(request: Request, viewer: Admin, user_id: str, form: PostedForm) -> Response:
    return await _act(request, viewer, user_id, "deactivate", "")


@router.post("/{user_id}/reactivate")
async def reactivate(request: Request, viewer: Admin, user_id: str, form: PostedForm) -> Response:
    return await _act(request, viewer, user_id, "reactivate", "")


@router.post("/{user_id}/sign-out")
async def sign_out_everywhere(
    request: Request, viewer: Admin, user_id: str, form: PostedForm
) -> Response:
    return await _act(request, viewer, user_id, "sign_out", "")
