"""Rotating VIVAVOCE_SECRET_KEY: putting a new key in front keeps sign-ins, forms and join
links working; CSRF tokens are bound to the visitor and to the sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

import httpx
from tests.conftest import Tenant
from tests.fixtures.world import build_world, created, session_body
from tests.web.conftest import csrf_token_in, unique_email
from tests.web.test_dashboard import PASSWORD, _login, add_user

from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.runtime import Database

OLD, NEW = "old-secret-" + "o" * 32, "new-secret-" + "n" * 32
BASE = "http://testserver"
ORIGIN = {"Origin": BASE}


class Serving(Protocol):
    def __call__(
        self, secret_key: str, cookies: httpx.Cookies | None = None
    ) -> AbstractAsyncContextManager[httpx.AsyncClient]: ...


def serving(settings: Settings, database: Database) -> Serving:
    @asynccontextmanager
    async def serve(
        secret_key: str, cookies: httpx.Cookies | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        configured = settings.model_copy(update={"secret_key": secret_key})
        app = create_app(configured, database=database, with_worker=False, bootstrap=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url=BASE, cookies=cookies
            ) as http:
                yield http

    return serve


async def test_a_new_key_in_front_keeps_sign_ins_forms_and_join_links(
    settings: Settings, database: Database, tenant: Tenant
) -> None:
    serve = serving(settings, database)
    email = await add_user(database, tenant, "admin")
    async with serve(OLD) as before:
        world = await build_world(before, tenant.headers, email=unique_email("rot"))
        session = await created(
            await before.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
        )
        assert (await _login(before, email, PASSWORD)).status_code == 303
        token = csrf_token_in((await before.get("/dashboard")).text)
        cookies = before.cookies

    async with serve(f"{NEW},{OLD}", cookies) as rotated:
        assert (await rotated.get("/dashboard")).status_code == 200  # still signed in
        read = await rotated.get(f"/api/v1/sessions/{session['id']}", headers=tenant.headers)
        assert read.json()["data"]["join_url"] == session["join_url"]  # the link that was sent
        join_path = session["join_url"].removeprefix(BASE)
        assert (await rotated.get(join_path)).status_code == 200
        signed_out = await rotated.post(
            "/dashboard/logout", data={"csrf_token": token}, headers=ORIGIN
        )
        assert signed_out.status_code == 303  # a form rendered under the old key is accepted
        assert (await rotated.get("/dashboard")).status_code == 303

    async with serve(NEW, cookies) as retired:
        read = await retired.get(f"/api/v1/sessions/{session['id']}", headers=tenant.headers)
        assert read.json()["data"]["join_url"] != session["join_url"]  # old key gone: dead
        assert (await retired.get(join_path)).status_code == 200  # lookup is by digest


async def test_a_csrf_token_works_only_for_its_visitor_and_sign_in(
    settings: Settings, database: Database, tenant: Tenant
) -> None:
    serve = serving(settings, database)
    email = await add_user(database, tenant, "admin")
    async with serve(NEW) as visitor, serve(NEW) as stranger:
        signed_out_token = csrf_token_in((await visitor.get("/dashboard/login")).text)
        assert (await _login(visitor, email, PASSWORD)).status_code == 303
        refused = await visitor.post(
            "/dashboard/logout", data={"csrf_token": signed_out_token}, headers=ORIGIN
        )
        assert refused.status_code == 403  # made before the sign-in
        assert (await visitor.get("/dashboard")).status_code == 200

        token = csrf_token_in((await visitor.get("/dashboard")).text)
        await stranger.get("/dashboard/login")  # a visitor cookie of its own
        stranger.cookies.set("vv_dash", visitor.cookies["vv_dash"])  # even with the sign-in
        copied = await stranger.post(
            "/dashboard/logout", data={"csrf_token": token}, headers=ORIGIN
        )
        assert copied.status_code == 403
        assert (await visitor.get("/dashboard")).status_code == 200

        accepted = await visitor.post(
            "/dashboard/logout", data={"csrf_token": token}, headers=ORIGIN
        )
        assert accepted.status_code == 303
