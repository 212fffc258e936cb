"""In-process domain events (kit.bus): handlers run in the change's transaction, registered
by the composition root (runtime.domain_handlers) that app, worker and tests share."""

from __future__ import annotations

import tomllib
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Tenant
from tests.fixtures.world import build_world
from vivavoce.kit import bus
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import create_sessionmaker, unit_of_work
from vivavoce.models import EmailMessage, InterviewSession
from vivavoce.runtime import Database, domain_handlers
from vivavoce.sessions import service
from vivavoce.sessions.domain_events import SessionScheduled
from vivavoce.sessions.schemas import SessionCreate

ROOT = Path(__file__).resolve().parents[2]


class Undone(Exception):
    pass


def _links() -> service.SessionLinks:
    return service.SessionLinks("http://testserver", "test-secret-" + "x" * 32)


async def _body(client: httpx.AsyncClient, tenant: Tenant) -> SessionCreate:
    world = await build_world(client, tenant.headers, email=f"{uuid.uuid4().hex}@example.com")
    return SessionCreate(
        candidate_id=uuid.UUID(world.participant_id),
        evaluation_template_id=uuid.UUID(world.template_id),
        stage="screen",
    )


async def _emails_of(db: AsyncSession, candidate_id: uuid.UUID) -> int:
    count = await db.scalar(
        select(func.count())
        .select_from(EmailMessage)
        .where(EmailMessage.participant_id == candidate_id)
    )
    return int(count or 0)


async def test_a_handlers_write_rolls_back_with_the_change(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    body = await _body(client, tenant)
    inside: list[tuple[uuid.UUID, int]] = []

    async def schedule_then_fail() -> None:
        async with unit_of_work(database.sessionmaker) as db:
            scheduled = await service.schedule(db, tenant.id, body, _links(), utcnow())
            # the emails domain's handler wrote the invite in this very transaction
            inside.append((scheduled.session.id, await _emails_of(db, body.candidate_id)))
            raise Undone

    with pytest.raises(Undone):
        await schedule_then_fail()
    [(session_id, emails_inside)] = inside
    assert emails_inside == 1
    async with unit_of_work(database.sessionmaker) as db:
        assert await _emails_of(db, body.candidate_id) == 0
        assert await db.get(InterviewSession, session_id) is None


async def test_a_new_consumer_subscribes_without_touching_sessions(
    client: httpx.AsyncClient, tenant: Tenant, database: Database
) -> None:
    body = await _body(client, tenant)
    seen: list[uuid.UUID] = []

    async def refuse(db: AsyncSession, event: SessionScheduled) -> None:
        seen.append(event.session.id)
        raise Undone  # a consumer that fails fails the change

    handlers = domain_handlers()
    handlers.subscribe(SessionScheduled, refuse)
    maker = create_sessionmaker(database.engine, handlers)
    with pytest.raises(Undone):
        async with unit_of_work(maker) as db:
            await service.schedule(db, tenant.id, body, _links(), utcnow())
    assert len(seen) == 1
    async with unit_of_work(database.sessionmaker) as db:
        assert await db.get(InterviewSession, seen[0]) is None
        assert await _emails_of(db, body.candidate_id) == 0


async def test_a_session_made_without_handlers_cannot_publish(database: Database) -> None:
    bare = async_sessionmaker(database.engine)
    async with bare() as db:
        with pytest.raises(bus.NoHandlers):
            await bus.publish(db, object())


def test_the_domain_order_is_an_import_linter_layers_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    layered = [c for c in contracts if c["type"] == "layers"]
    assert len(layered) == 1
    order = [layer.strip() for layer in layered[0]["layers"]]

    def position(domain: str) -> int:
        module = f"vivavoce.{domain}"
        return next(i for i, layer in enumerate(order) if module in layer.split(" | "))

    # higher layers first: a consumer sits above the domain whose events it handles
    assert position("applications") < position("sessions")
    assert position("emails") < position("sessions")
    assert position("voice") < position("sessions")
    assert position("privacy") < position("participants")
    assert position("sessions") < position("participants") < position("workspaces")
