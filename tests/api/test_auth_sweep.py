"""Every operation of the published API refuses callers it should refuse (SPEC §3).

Generated from the OpenAPI document, so endpoints added later are swept without editing this
file: no key or a revoked key → 401, a key without the operation's scope → 403
`missing_scope`, an `accountSlug` naming another workspace → 403 `account_mismatch`, each with
the standard error body.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant, make_tenant
from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.workspaces import service as workspaces
from vivavoce.workspaces.scopes import ALL_SCOPES

# Keys holding one scope each, of families far apart: a missing scope is proved with the first
# one an operation does not need.
UNRELATED_SCOPES = ("webhooks.read", "candidates.delete")
# Operations under /api/v1 that anyone may call. None yet; adding one is a decision.
PUBLIC_OPERATIONS: set[str] = set()
METHODS = {"get", "post", "put", "patch", "delete"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    scopes: tuple[str, ...]
    has_body: bool
    path_params: dict[str, dict[str, Any]]

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def url(self) -> str:
        def fill(match: re.Match[str]) -> str:
            schema = self.path_params.get(match.group(1), {})
            return "1" if schema.get("type") == "integer" else str(uuid.uuid4())

        return re.sub(r"\{([^}]+)\}", fill, self.path)


def published_operations() -> list[Operation]:
    document = create_app(Settings(env="test")).openapi()
    operations = []
    for path, item in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method not in METHODS:
                continue
            scopes = {
                scope
                for requirement in operation.get("security", [])
                for granted in requirement.values()
                for scope in granted
            }
            path_params = {
                p["name"]: p.get("schema", {})
                for p in operation.get("parameters", [])
                if p.get("in") == "path"
            }
            operations.append(
                Operation(
                    method, path, tuple(sorted(scopes)), "requestBody" in operation, path_params
                )
            )
    return operations


OPERATIONS = published_operations()
PROTECTED = [op for op in OPERATIONS if op.name not in PUBLIC_OPERATIONS]
by_name = pytest.mark.parametrize("operation", PROTECTED, ids=lambda op: op.name)


@dataclass
class Keys:
    tenant: Tenant
    other: Tenant
    revoked: str
    unrelated: dict[str, str]


@pytest.fixture(scope="module")
async def keys(database: Database) -> Keys:
    tenant = await make_tenant(database)
    other = await make_tenant(database)
    async with unit_of_work(database.sessionmaker) as db:
        revoked = await workspaces.create_api_key(db, tenant.id, "to revoke")
        await workspaces.revoke_api_key(db, tenant.id, revoked.key.id, utcnow())
        unrelated = {
            scope: (await workspaces.create_api_key(db, tenant.id, scope, [scope])).secret
            for scope in UNRELATED_SCOPES
        }
    return Keys(tenant, other, revoked.secret, unrelated)


async def call(
    client: httpx.AsyncClient,
    operation: Operation,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    return await client.request(
        operation.method.upper(),
        operation.url(),
        headers=headers,
        params=params,
        json=(body if body is not None else {}) if operation.has_body else None,
    )


def assert_refused(response: httpx.Response, status: int, code: str, operation: Operation) -> None:
    assert response.status_code == status, f"{operation.name}: {response.text}"
    body = response.json()
    assert set(body) >= {"error", "code", "issues", "request_id"}, operation.name
    assert body["code"] == code, f"{operation.name}: {body}"
    assert isinstance(body["error"], str)
    assert body["error"]
    assert body["issues"] == []
    assert body["request_id"] == response.headers["x-request-id"]


def test_the_sweep_sees_the_api() -> None:
    names = {op.name for op in OPERATIONS}
    assert "POST /api/v1/agent-profiles" in names
    assert "GET /api/v1/events" in names
    assert names >= PUBLIC_OPERATIONS


@by_name
def test_every_operation_declares_a_known_scope(operation: Operation) -> None:
    assert operation.scopes, f"{operation.name} needs no scope: is `require(...)` missing?"
    assert set(operation.scopes) <= set(ALL_SCOPES), operation.name


@by_name
async def test_no_key_is_401(client: httpx.AsyncClient, operation: Operation) -> None:
    response = await call(client, operation, {})
    assert_refused(response, 401, "unauthorized", operation)


@by_name
async def test_an_unknown_key_is_401(client: httpx.AsyncClient, operation: Operation) -> None:
    for headers in (
        {"x-api-key": "vv_live_" + "x" * 43},
        {"authorization": "Bearer vv_live_" + "y" * 43},
        {"x-api-key": "not-even-our-format"},
    ):
        response = await call(client, operation, headers)
        assert_refused(response, 401, "unauthorized", operation)


@by_name
async def test_a_revoked_key_is_401(
    client: httpx.AsyncClient, keys: Keys, operation: Operation
) -> None:
    for headers in ({"x-api-key": keys.revoked}, {"authorization": f"Bearer {keys.revoked}"}):
        response = await call(client, operation, headers)
        assert_refused(response, 401, "unauthorized", operation)


@by_name
async def test_a_key_without_the_scope_is_403(
    client: httpx.AsyncClient, keys: Keys, operation: Operation
) -> None:
    scope = next(s for s in UNRELATED_SCOPES if s not in operation.scopes)
    response = await call(client, operation, {"x-api-key": keys.unrelated[scope]})
    assert_refused(response, 403, "missing_scope", operation)
    assert operation.scopes[0] in response.json()["error"] or len(operation.scopes) > 1


@by_name
async def test_another_workspaces_account_slug_is_403(
    client: httpx.AsyncClient, keys: Keys, operation: Operation
) -> None:
    headers = keys.tenant.headers
    response = await call(client, operation, headers, params={"accountSlug": keys.other.slug})
    assert_refused(response, 403, "account_mismatch", operation)
    if operation.has_body:
        response = await call(client, operation, headers, body={"accountSlug": keys.other.slug})
        assert_refused(response, 403, "account_mismatch", operation)


@by_name
async def test_the_own_account_slug_passes_authorization(
    client: httpx.AsyncClient, keys: Keys, operation: Operation
) -> None:
    response = await call(client, operation, keys.tenant.headers, {"accountSlug": keys.tenant.slug})
    assert response.status_code not in (401, 403), f"{operation.name}: {response.text}"
    assert response.status_code < 500, f"{operation.name}: {response.text}"
