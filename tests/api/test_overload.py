"""An API process whose connection pool stays exhausted answers 503 with `Retry-After`, like
a database outage, not 500 (found by `make soak`)."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import Tenant
from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.kit import db
from vivavoce.runtime import Database, database_on


async def test_an_exhausted_pool_is_503_not_500(
    settings: Settings, database: Database, tenant: Tenant
) -> None:
    engine = create_async_engine(
        db.sqlalchemy_url(database.url), pool_size=1, max_overflow=0, pool_timeout=0.3
    )
    small = database_on(database.url, engine)
    app = create_app(settings, database=small, with_worker=False, bootstrap=False)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with (
                httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
                engine.connect(),  # the one connection, held
            ):
                response = await http.get("/api/v1/agent-profiles", headers=tenant.headers)
                assert response.status_code == 503, response.text
                assert response.json()["code"] == "unavailable"
                assert int(response.headers["retry-after"]) >= 1
            response = await http_after(app, tenant)
            assert response.status_code == 200, response.text
    finally:
        await engine.dispose()


async def http_after(app: object, tenant: Tenant) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.get("/api/v1/agent-profiles", headers=tenant.headers)
