from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from vivavoce.api.deps import Db, require
from vivavoce.api.params import Paging
from vivavoce.api.responses import ERROR_RESPONSES, Done, Many, One, done, many, one
from vivavoce.api.state import app_state
from vivavoce.events.webhooks import service
from vivavoce.events.webhooks.schemas import (
    DeliveryOut,
    EndpointCreate,
    EndpointOut,
    EndpointUpdate,
    EndpointWithSecretOut,
    endpoint_public,
)
from vivavoce.kit.clock import utcnow
from vivavoce.workspaces.service import Principal

router = APIRouter(tags=["webhooks"])

Reader = Annotated[Principal, Depends(require("webhooks.read"))]
Writer = Annotated[Principal, Depends(require("webhooks.write"))]


@router.post(
    "/webhook-endpoints",
    status_code=201,
    response_model=One[EndpointWithSecretOut],
    responses=ERROR_RESPONSES,
)
async def create_endpoint(
    request: Request, db: Db, principal: Writer, body: EndpointCreate
) -> Response:
    """Register a receiver. The response holds its signing `secret`, shown only once."""
    settings = app_state(request).settings
    endpoint, secret = await service.create_endpoint(db, principal.workspace_id, body, settings)
    return one(endpoint_public(endpoint, secret), 201, f"/api/v1/webhook-endpoints/{endpoint.id}")


@router.get("/webhook-endpoints", response_model=Many[EndpointOut], responses=ERROR_RESPONSES)
async def list_endpoints(db: Db, principal: Reader, paging: Paging) -> Response:
    return many(await service.list_endpoints(db, principal.workspace_id, paging))


@router.get(
    "/webhook-endpoints/{endpoint_id}", response_model=One[EndpointOut], responses=ERROR_RESPONSES
)
async def get_endpoint(db: Db, principal: Reader, endpoint_id: uuid.UUID) -> Response:
    return one(endpoint_public(await service.get_endpoint(db, principal.workspace_id, endpoint_id)))


@router.patch(
    "/webhook-endpoints/{endpoint_id}", response_model=Done[EndpointOut], responses=ERROR_RESPONSES
)
async def update_endpoint(
    request: Request, db: Db, principal: Writer, endpoint_id: uuid.UUID, body: EndpointUpdate
) -> Response:
    """Change url, events, description or enabled; enabling clears a disabled state."""
    settings = app_state(request).settings
    endpoint = await service.update_endpoint(
        db, principal.workspace_id, endpoint_id, body, settings, utcnow()
    )
    return done(endpoint_public(endpoint))


@router.delete(
    "/webhook-endpoints/{endpoint_id}", response_model=Done[EndpointOut], responses=ERROR_RESPONSES
)
async def delete_endpoint(db: Db, principal: Writer, endpoint_id: uuid.UUID) -> Response:
    """Delete the endpoint and its delivery log; the answer holds it as it was."""
    endpoint = await service.delete_endpoint(db, principal.workspace_id, endpoint_id)
    return done(endpoint)


@router.post(
    "/webhook-endpoints/{endpoint_id}/rotate-secret",
    response_model=Done[EndpointWithSecretOut],
    responses=ERROR_RESPONSES,
)
async def rotate_secret(
    request: Request, db: Db, principal: Writer, endpoint_id: uuid.UUID
) -> Response:
    """A new secret; the old one still signs (a second signature) for 24 h."""
    settings = app_state(request).settings
    endpoint, secret = await service.rotate_secret(
        db, principal.workspace_id, endpoint_id, settings, utcnow()
    )
    return done(endpoint_public(endpoint, secret))


@router.post(
    "/webhook-endpoints/{endpoint_id}/test",
    status_code=202,
    response_model=Done[DeliveryOut],
    responses=ERROR_RESPONSES,
)
async def send_test(db: Db, principal: Writer, endpoint_id: uuid.UUID) -> Response:
    """Queue a `webhook.test` event to this endpoint."""
    delivery = await service.send_test(db, principal.workspace_id, endpoint_id, utcnow())
    return done(await service.delivery_view(db, delivery), 202)


@router.get(
    "/webhook-endpoints/{endpoint_id}/deliveries",
    response_model=Many[DeliveryOut],
    responses=ERROR_RESPONSES,
)
async def list_deliveries(
    db: Db,
    principal: Reader,
    endpoint_id: uuid.UUID,
    paging: Paging,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """Deliveries to this endpoint, newest first, each with every attempt."""
    return many(
        await service.list_deliveries(db, principal.workspace_id, endpoint_id, paging, status)
    )


@router.post(
    "/webhook-deliveries/{delivery_id}/retry",
    status_code=202,
    response_model=Done[DeliveryOut],
    responses=ERROR_RESPONSES,
)
async def retry_delivery(db: Db, principal: Writer, delivery_id: uuid.UUID) -> Response:
    """Send this delivery again now (same `webhook-id`, so receivers can dedupe)."""
    delivery = await service.retry_delivery(db, principal.workspace_id, delivery_id, utcnow())
    return done(await service.delivery_view(db, delivery), 202)
