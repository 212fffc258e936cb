"""JSON nested a thousand deep gets a clear 422, on the body-less POSTs too."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import Tenant

DEEP = "[" * 1000 + "]" * 1000
BODYLESS_POSTS = [
    "/api/v1/sessions/{id}/cancel",
    "/api/v1/applications/{id}/approve",
    "/api/v1/applications/{id}/advance",
    "/api/v1/webhook-endpoints/{id}/rotate-secret",
    "/api/v1/webhook-endpoints/{id}/test",
    "/api/v1/webhook-deliveries/{id}/retry",
]


@pytest.mark.parametrize("path", BODYLESS_POSTS)
async def test_json_nested_too_deep_is_refused_on_bodyless_posts(
    client: httpx.AsyncClient, tenant: Tenant, path: str
) -> None:
    response = await client.post(
        path.format(id=uuid.uuid4()),
        content=DEEP,
        headers={**tenant.headers, "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert "nested too deeply" in response.json()["error"]


async def test_json_nested_too_deep_is_refused_on_posts_with_a_body(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/v1/participants",
        content='{"name": ' + DEEP + "}",
        headers={**tenant.headers, "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
