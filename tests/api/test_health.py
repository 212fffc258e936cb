from __future__ import annotations

import httpx

from tests.conftest import Tenant


async def test_healthz_says_the_process_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "x-request-id" in response.headers


async def test_readyz_checks_the_database_and_migrations(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok"},
        "optional": {
            "llm": {
                "state": "offline",
                "detail": "built-in offline interviewer (no VIVAVOCE_LLM_BASE_URL set)",
                "capabilities": None,
                "last_error": None,
                "last_error_at": None,
            }
        },
    }


async def test_metrics_count_requests_by_route_template(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await client.get(
        "/api/v1/agent-profiles/01900000-0000-7000-8000-000000000000", headers=tenant.headers
    )
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "vivavoce_http_requests_total" in text
    assert "vivavoce_http_request_duration_seconds_bucket" in text
    # Ids never become label values: the route template does.
    assert 'route="/api/v1/agent-profiles/{profile_id}"' in text
    assert "01900000-0000-7000-8000-000000000000" not in text


async def test_the_openapi_document_is_published(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/agent-profiles" in document["paths"]
    assert all(path.startswith("/api/v1/") for path in document["paths"])
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "/api/v1/openapi.json" in docs.text


async def test_every_reference_in_the_openapi_document_resolves(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    components = document["components"]["schemas"]
    references: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                references.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    prefix = "#/components/schemas/"
    assert references
    missing = sorted(
        {
            ref
            for ref in references
            if not ref.startswith(prefix) or ref[len(prefix) :] not in components
        }
    )
    assert missing == []
    assert {"AgentProfileCreate", "ForkRequest"} <= components.keys()
