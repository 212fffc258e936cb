"""create_app(): the only place that wires middleware, error handlers and routers."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.staticfiles import StaticFiles

from vivavoce import __version__, health
from vivavoce.api import errors
from vivavoce.api.fastpath import FastRead, FastReads
from vivavoce.api.fastwrite import FastWrite, FastWrites
from vivavoce.api.middleware import EdgeMiddleware, IdempotencyMiddleware
from vivavoce.api.state import AppState
from vivavoce.config import Settings, get_settings
from vivavoce.interviewer import providers
from vivavoce.kit.db import StatementPool, create_engine, create_sessionmaker, unit_of_work
from vivavoce.kit.jobs import JobContext, run_worker
from vivavoce.kit.pubsub import Listener
from vivavoce.kit.ratelimit import RateLimiter
from vivavoce.runtime import Database, job_registry, open_database
from vivavoce.sessions import transcript
from vivavoce.web.rendering import STATIC
from vivavoce.workspaces import service as workspaces

log = logging.getLogger(__name__)

# One address may carry several keys (an ATS's integration, a script); it gets this many times
# one key's budget.
ADDRESS_BUDGET_FACTOR = 5

# The live rooms' heartbeats get a pool of their own (1 connection, 1 more on overflow): one
# short UPDATE per connection every few seconds, never queued behind a starved main pool.
LIVENESS_POOL_SIZE = 1

API_DESCRIPTION = """
The vivavoce Sessions API: agent profiles, evaluation templates and stages, participants,
interview sessions, applications and the event log. Authenticate with `x-api-key: vv_live_…`
(or `Authorization: Bearer`). Bodies are `{"data": …}`; lists are cursor-paginated.
"""


def api_router() -> APIRouter:
    from vivavoce.agent_profiles.endpoints import router as agent_profiles
    from vivavoce.applications.endpoints import router as applications
    from vivavoce.assessments.endpoints import router as answer_recordings
    from vivavoce.bias_audit.endpoints import router as bias_audit
    from vivavoce.coding.endpoints import router as coding
    from vivavoce.compare.endpoints import router as compare
    from vivavoce.emails.endpoints import router as emails
    from vivavoce.embed.endpoints import router as embed_tokens
    from vivavoce.events.endpoints import router as events
    from vivavoce.events.webhooks.endpoints import router as webhooks
    from vivavoce.participants.endpoints import router as participants
    from vivavoce.phone.endpoints import router as phone
    from vivavoce.scoring.endpoints import router as evaluations
    from vivavoce.scoring.manual_endpoints import router as manual_reviews
    from vivavoce.scoring.review_endpoints import router as scorecard_reviews
    from vivavoce.sessions.endpoints import router as sessions
    from vivavoce.templates.endpoints import router as templates
    from vivavoce.voice.endpoints import router as recordings
    from vivavoce.workspaces.endpoints import router as workspace

    router = APIRouter(prefix="/api/v1")
    for domain in (
        agent_profiles,
        templates,
        participants,
        sessions,
        embed_tokens,
        phone,
        applications,
        events,
        webhooks,
        emails,
        evaluations,
        scorecard_reviews,
        manual_reviews,
        compare,
        recordings,
        answer_recordings,
        workspace,
        coding,
        bias_audit,
    ):
        router.include_router(domain)
    return router


def fast_reads() -> list[FastRead]:
    """Reads also answered before FastAPI's routing (see api/fastpath.py)."""
    from vivavoce.agent_profiles.endpoints import FAST_READS as agent_profiles
    from vivavoce.sessions.endpoints import FAST_READS as sessions

    return [*agent_profiles, *sessions]


def fast_writes() -> list[FastWrite]:
    """Writes also answered before FastAPI's routing (see api/fastwrite.py)."""
    from vivavoce.sessions.endpoints import FAST_WRITES as sessions

    return [*sessions]


def web_router() -> APIRouter:
    """Server-rendered pages: the public apply page, the join page (with its WebSocket) and
    the recruiter dashboard."""
    from vivavoce.web.apply import router as apply_page
    from vivavoce.web.assessment import router as assessment_steps
    from vivavoce.web.assessment_media import router as assessment_media
    from vivavoce.web.coding_room import router as coding_room
    from vivavoce.web.dashboard import router as dashboard
    from vivavoce.web.embed import router as embed_page
    from vivavoce.web.join import router as join_page
    from vivavoce.web.join import socket_router as join_socket
    from vivavoce.web.signals import router as join_signals

    router = APIRouter()
    router.include_router(apply_page)
    router.include_router(join_page)
    router.include_router(join_socket)
    router.include_router(join_signals)
    router.include_router(embed_page)
    router.include_router(assessment_steps)
    router.include_router(assessment_media)
    router.include_router(coding_room)
    router.include_router(dashboard())
    return router


def print_bootstrap(bootstrap: workspaces.Bootstrap) -> None:
    print(
        "\n".join(
            [
                "",
                "vivavoce is set up. Keep these; they are shown only once:",
                f"  dashboard login : {bootstrap.admin_email}",
                f"  password        : {bootstrap.admin_password}",
                f"  API key         : {bootstrap.api_key}",
                "",
            ]
        ),
        file=sys.stdout,
        flush=True,
    )


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    with_worker: bool = True,
    bootstrap: bool = True,
) -> FastAPI:
    """The vivavoce ASGI app. Given a `database`, it uses (and does not close) that one."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with _serving(app, settings, database, with_worker=with_worker, bootstrap=bootstrap):
            yield

    app = FastAPI(
        title="vivavoce API",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    errors.install(app)
    app.include_router(health.router)
    app.include_router(api_router())
    app.include_router(web_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def state() -> AppState:
        current: AppState = app.state.vv
        return current

    app.add_middleware(IdempotencyMiddleware, state_getter=state)
    app.add_middleware(FastReads, state_getter=state, reads=fast_reads())
    app.add_middleware(FastWrites, state_getter=state, writes=fast_writes())
    app.add_middleware(EdgeMiddleware, state_getter=state)
    _publish_hand_validated_bodies(app)
    return app


@asynccontextmanager
async def _serving(
    app: FastAPI,
    settings: Settings,
    database: Database | None,
    *,
    with_worker: bool,
    bootstrap: bool,
) -> AsyncIterator[None]:
    """The app's lifespan: the database (opened here unless given), `app.state.vv`, the first
    workspace on an empty database, and the in-process worker; closed in reverse order."""
    owned = database is None
    db = database or await open_database(settings)
    liveness = create_engine(db.url, pool_size=LIVENESS_POOL_SIZE)
    with contextlib.suppress(Exception):  # opened now, kept: no connect when the server is full
        async with liveness.connect():
            pass
    app.state.vv = _app_state(settings, db, create_sessionmaker(liveness, db.handlers))
    app.state.interviewers = providers.interviewers(settings)  # every live room shares them
    await app.state.vv.reads.warm()
    if bootstrap:
        async with unit_of_work(db.sessionmaker) as session:
            created = await workspaces.bootstrap_if_empty(session)
        if created is not None:
            print_bootstrap(created)
    llm_check = asyncio.create_task(providers.log_startup_check(settings))
    stop = asyncio.Event()
    worker = None
    if with_worker:
        context = JobContext(settings=settings, sessionmaker=db.sessionmaker)
        worker = asyncio.create_task(run_worker(db.url, job_registry(), context, stop))
    if owned:
        # The app's own process (`vivavoce serve`): what is loaded by now lives as long as
        # it does. Frozen, it is left out of the collector's full passes, whose pauses of
        # tens of milliseconds otherwise show in the API's tail latency.
        gc.collect()
        gc.freeze()
    try:
        yield
    finally:
        llm_check.cancel()
        stop.set()
        if worker is not None:
            await asyncio.wait({worker}, timeout=15)
        await app.state.vv.transcript_listener.close()
        await app.state.vv.keys_listener.close()
        await app.state.vv.reads.close()
        await liveness.dispose()
        if owned:
            await db.close()


def _app_state(
    settings: Settings, db: Database, liveness: async_sessionmaker[AsyncSession]
) -> AppState:
    """What the running app holds (none of it connects yet)."""
    keys_listener = Listener(db.url, workspaces.KEYS_CHANNEL)
    return AppState(
        settings=settings,
        database_url=db.url,
        engine=db.engine,
        sessionmaker=db.sessionmaker,
        handlers=db.handlers,
        limiter=RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst),
        address_limiter=RateLimiter(
            settings.rate_limit_per_minute * ADDRESS_BUDGET_FACTOR,
            settings.rate_limit_burst * ADDRESS_BUDGET_FACTOR,
        ),
        transcript_listener=Listener(db.url, transcript.CHANNEL),
        reads=StatementPool(db.url, settings.database_pool_size),
        keys_listener=keys_listener,
        keys=workspaces.KeyCache(settings.api_key_cache_seconds, keys_listener),
        liveness_sessionmaker=liveness,
    )


def _publish_hand_validated_bodies(app: FastAPI) -> None:
    """Bodies validated by hand (their shape depends on `?action=`) are referenced from the
    operations' `oneOf`; FastAPI does not see them, so they join the components here."""
    from pydantic import BaseModel

    from vivavoce.agent_profiles.schemas import AgentProfileCreate, ForkRequest
    from vivavoce.templates.schemas import TemplateCreate, TemplateFork

    models: tuple[type[BaseModel], ...] = (
        AgentProfileCreate,
        ForkRequest,
        TemplateCreate,
        TemplateFork,
    )
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in schema.pop("$defs", {}).items():
                schemas.setdefault(name, definition)
            schemas.setdefault(model.__name__, schema)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
