"""Developer settings (admins only): API keys (the secret shown once), webhook endpoints
(create, enable/disable, rotate the secret, send a test) with their delivery log and a replay
button. And the email outbox, for everyone signed in."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from vivavoce.api.state import app_state
from vivavoce.emails import service as emails
from vivavoce.emails.schemas import STATUSES as EMAIL_STATUSES
from vivavoce.emails.schemas import Filters, email_public
from vivavoce.events.schemas import EVENT_TYPES
from vivavoce.events.webhooks import service as webhooks
from vivavoce.events.webhooks.schemas import EndpointCreate, EndpointUpdate, endpoint_public
from vivavoce.kit.clock import isoformat_z, utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import AppError, NotFound
from vivavoce.kit.pagination import PageRequest
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader
from vivavoce.web.dashboard.common import (
    PREFIX,
    Admin,
    DashRoute,
    PostedForm,
    SignedIn,
    Viewer,
    field_errors,
    issue_errors,
    redirect,
    render,
)
from vivavoce.web.dashboard.views import paging, parse_uuid
from vivavoce.workspaces import service as workspaces
from vivavoce.workspaces.scopes import ALL_SCOPES

router = APIRouter(prefix=PREFIX, route_class=DashRoute, include_in_schema=False)


# --- API keys -----------------------------------------------------------------------------


async def _keys_page(
    request: Request,
    viewer: Viewer,
    *,
    secret: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with unit_of_work(app_state(request).sessionmaker) as db:
        keys = await workspaces.list_api_keys(db, viewer.workspace_id)
        emails = {u.id: u.email for u in await workspaces.list_users(db, viewer.workspace_id)}
    rows = [
        {
            "id": str(key.id),
            "name": key.name,
            "prefix": key.prefix,
            "scopes": list(key.scopes),
            "all_scopes": set(key.scopes) >= set(ALL_SCOPES),
            "created_at": isoformat_z(key.created_at),
            # the user the key acts as for private templates (none: the integration)
            "created_by": emails.get(key.created_by_user_id) if key.created_by_user_id else None,
            "last_used_at": isoformat_z(key.last_used_at),
            "revoked_at": isoformat_z(key.revoked_at),
        }
        for key in keys
    ]
    return render(
        request,
        "dashboard/keys.html",
        {
            "nav": "developer",
            "tab": "keys",
            "keys": rows,
            "secret": secret,
            "scopes": ALL_SCOPES,
            "values": values or {},
            "errors": errors or {},
        },
        viewer=viewer,
        status=status,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/developer")
async def developer(request: Request, viewer: Admin) -> Response:
    return redirect(f"{PREFIX}/developer/keys")


@router.get("/developer/keys")
async def list_keys(request: Request, viewer: Admin) -> Response:
    return await _keys_page(request, viewer)


@router.post("/developer/keys")
async def create_key(request: Request, viewer: Admin, form: PostedForm) -> Response:
    name = form.get("name").strip()
    scopes = [s for s in form.all("scopes") if s]
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            created = await workspaces.create_api_key(
                db, viewer.workspace_id, name, scopes, created_by=viewer.user_id
            )
    except AppError as exc:
        errors = issue_errors(exc)
        if "name" in errors:
            errors["name"] = "Give the key a name (1-200 characters), e.g. the system using it."
        return await _keys_page(
            request, viewer, values=form.first_values(), errors=errors, status=422
        )
    return await _keys_page(request, viewer, secret=created.secret)


@router.post("/developer/keys/{key_id}/revoke")
async def revoke_key(request: Request, viewer: Admin, key_id: str, form: PostedForm) -> Response:
    wanted = parse_uuid(key_id)
    if wanted is None:
        raise NotFound("API key")
    async with unit_of_work(app_state(request).sessionmaker) as db:
        await workspaces.revoke_api_key(db, viewer.workspace_id, wanted, utcnow())
    return redirect(f"{PREFIX}/developer/keys", "key_revoked")


# --- webhooks -----------------------------------------------------------------------------


async def _webhooks_page(
    request: Request,
    viewer: Viewer,
    *,
    secret: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with unit_of_work(app_state(request).sessionmaker) as db:
        page = await webhooks.list_endpoints(db, viewer.workspace_id, PageRequest(limit=100))
    return render(
        request,
        "dashboard/webhooks.html",
        {
            "nav": "developer",
            "tab": "webhooks",
            "endpoints": page.items,
            "event_types": EVENT_TYPES,
            "secret": secret,
            "values": values or {},
            "errors": errors or {},
        },
        viewer=viewer,
        status=status,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/developer/webhooks")
async def list_webhooks(request: Request, viewer: Admin) -> Response:
    return await _webhooks_page(request, viewer)


@router.post("/developer/webhooks")
async def create_webhook(request: Request, viewer: Admin, form: PostedForm) -> Response:
    values = form.first_values()
    body = {
        "url": form.get("url").strip(),
        "events": [e for e in form.all("events") if e],
        "description": form.text("description"),
    }
    try:
        created = EndpointCreate.model_validate(body)
    except ValidationError as exc:
        return await _webhooks_page(
            request, viewer, values=values, errors=field_errors(exc), status=422
        )
    settings = app_state(request).settings
    try:
        async with unit_of_work(app_state(request).sessionmaker) as db:
            endpoint, secret = await webhooks.create_endpoint(
                db, viewer.workspace_id, created, settings
            )
    except AppError as exc:
        return await _webhooks_page(
            request, viewer, values=values, errors=issue_errors(exc), status=422
        )
    shown = {"endpoint": endpoint.url, "secret": secret, "why": "created"}
    return await _webhooks_page(request, viewer, secret=shown)


def _endpoint_id(endpoint_id: str) -> uuid.UUID:
    wanted = parse_uuid(endpoint_id)
    if wanted is None:
        raise NotFound("webhook endpoint")
    return wanted


@router.post("/developer/webhooks/{endpoint_id}/enabled")
async def toggle_webhook(
    request: Request, viewer: Admin, endpoint_id: str, form: PostedForm
) -> Response:
    wanted = _endpoint_id(endpoint_id)
    update = EndpointUpdate(enabled=form.get("enabled") == "true")
    settings = app_state(request).settings
    async with unit_of_work(app_state(request).sessionmaker) as db:
        await webhooks.update_endpoint(db, viewer.workspace_id, wanted, update, settings, utcnow())
    return redirect(f"{PREFIX}/developer/webhooks/{wanted}", "endpoint_saved")


@router.post("/developer/webhooks/{endpoint_id}/delete")
async def delete_webhook(
    request: Request, viewer: Admin, endpoint_id: str, form: PostedForm
) -> Response:
    wanted = _endpoint_id(endpoint_id)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        await webhooks.delete_endpoint(db, viewer.workspace_id, wanted)
    return redirect(f"{PREFIX}/developer/webhooks", "endpoint_deleted")


@router.post("/developer/webhooks/{endpoint_id}/rotate")
async def rotate_webhook(
    request: Request, viewer: Admin, endpoint_id: str, form: PostedForm
) -> Response:
    wanted = _endpoint_id(endpoint_id)
    settings = app_state(request).settings
    async with unit_of_work(app_state(request).sessionmaker) as db:
        _, secret = await webhooks.rotate_secret(
            db, viewer.workspace_id, wanted, settings, utcnow()
        )
    return await _endpoint_page(
        request, viewer, wanted, secret={"secret": secret, "why": "rotated"}
    )


@router.post("/developer/webhooks/{endpoint_id}/test")
async def test_webhook(
    request: Request, viewer: Admin, endpoint_id: str, form: PostedForm
) -> Response:
    wanted = _endpoint_id(endpoint_id)
    async with unit_of_work(app_state(request).sessionmaker) as db:
        await webhooks.send_test(db, viewer.workspace_id, wanted, utcnow())
    return redirect(f"{PREFIX}/developer/webhooks/{wanted}", "test_sent")


async def _endpoint_page(
    request: Request,
    viewer: Viewer,
    endpoint_id: uuid.UUID,
    *,
    secret: dict[str, str] | None = None,
) -> Response:
    status = request.query_params.get("status") or None
    async with unit_of_work(app_state(request).sessionmaker) as db:
        endpoint = endpoint_public(
            await webhooks.get_endpoint(db, viewer.workspace_id, endpoint_id)
        )
        deliveries = await webhooks.list_deliveries(
            db,
            viewer.workspace_id,
            endpoint_id,
            paging(request),
            status if status in ("pending", "succeeded", "failed") else None,
        )
    return render(
        request,
        "dashboard/webhook.html",
        {
            "nav": "developer",
            "tab": "webhooks",
            "endpoint": endpoint,
            "deliveries": deliveries,
            "secret": secret,
            "status_filter": status or "",
        },
        viewer=viewer,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/developer/webhooks/{endpoint_id}")
async def show_webhook(request: Request, viewer: Admin, endpoint_id: str) -> Response:
    return await _endpoint_page(request, viewer, _endpoint_id(endpoint_id))


@router.post("/developer/deliveries/{delivery_id}/replay")
async def replay(request: Request, viewer: Admin, delivery_id: str, form: PostedForm) -> Response:
    wanted = parse_uuid(delivery_id)
    if wanted is None:
        raise NotFound("webhook delivery")
    async with unit_of_work(app_state(request).sessionmaker) as db:
        delivery = await webhooks.retry_delivery(db, viewer.workspace_id, wanted, utcnow())
        endpoint_id = delivery.endpoint_id
    return redirect(f"{PREFIX}/developer/webhooks/{endpoint_id}", "replayed")


# --- email outbox -------------------------------------------------------------------------


@router.get("/outbox")
async def outbox(request: Request, viewer: SignedIn) -> Response:
    status = request.query_params.get("status") or None
    async with unit_of_work(app_state(request).sessionmaker) as db:
        filters = Filters(
            status=status if status in EMAIL_STATUSES else None,
            hidden_template_ids=await templates.hidden_from(
                db, viewer.workspace_id, Reader(viewer.user_id)
            ),
        )
        page = await emails.list_page(db, viewer.workspace_id, filters, paging(request))
    return render(
        request,
        "dashboard/outbox.html",
        {
            "nav": "outbox",
            "page": page,
            "statuses": EMAIL_STATUSES,
            "status_filter": filters.status or "",
            "smtp": app_state(request).settings.smtp_host is not None,
        },
        viewer=viewer,
    )


@router.get("/outbox/{email_id}")
async def show_email(request: Request, viewer: SignedIn, email_id: str) -> Response:
    wanted = parse_uuid(email_id)
    if wanted is None:
        raise NotFound("email")
    async with unit_of_work(app_state(request).sessionmaker) as db:
        hidden = await templates.hidden_from(db, viewer.workspace_id, Reader(viewer.user_id))
        message: dict[str, Any] = email_public(
            await emails.get(db, viewer.workspace_id, wanted, hidden), full=True
        )
    return render(
        request, "dashboard/email.html", {"nav": "outbox", "message": message}, viewer=viewer
    )
