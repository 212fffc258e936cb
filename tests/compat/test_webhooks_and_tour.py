"""Item 7 (external_id in every participant webhook) and the README tour's promises."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.compat.intervyo import API, APPLICATION, assert_shape, create, ok, parse_time, pipeline
from tests.conftest import Tenant
from tests.fixtures.receiver import Receiver
from vivavoce.app import create_app
from vivavoce.config import Settings
from vivavoce.runtime import Database

PARTICIPANT_EVENTS = {"participant.created", "application.approved", "session.created"}


@pytest.mark.usefixtures("worker")
async def test_every_participant_webhook_carries_the_external_id(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    endpoint = await create(
        client, tenant.headers, "/webhook-endpoints", {"url": receiver.url(), "events": []}
    )
    receiver.secrets.append(endpoint["secret"])
    world = await pipeline(client, tenant.headers, external_id="greenhouse-8821")
    application = await create(
        client,
        tenant.headers,
        "/applications",
        {
            "candidate_id": world.candidate,
            "evaluation_template_id": world.template,
            "approval_status": "pending",
        },
    )
    approved = await ok(
        await client.post(f"{API}/applications/{application['id']}/approve", headers=tenant.headers)
    )
    assert_shape(approved["data"], APPLICATION)
    # The README tour: the approve answer says the first stage is being scheduled.
    assert approved["data"]["scheduling_status"] in ("queued", "scheduled")

    def arrived(r: Receiver) -> bool:
        return {x.payload["event"] for x in r.received} >= PARTICIPANT_EVENTS

    await receiver.wait_for(arrived)
    assert not receiver.unverified
    for delivery in receiver.received:
        payload = delivery.payload
        parse_time(payload["occurred_at"])
        if payload["event"] in PARTICIPANT_EVENTS:
            (subject,) = payload["data"].values()
            assert subject["external_id"] == "greenhouse-8821", payload["event"]


@pytest.fixture
async def strict_client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    strict = settings.model_copy(update={"webhooks_allow_private": False})
    app = create_app(strict, database=database, with_worker=False, bootstrap=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_the_loopback_refusal_names_the_setting_that_allows_it(
    strict_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await strict_client.post(
        f"{API}/webhook-endpoints",
        json={"url": "http://127.0.0.1:9000/hooks", "events": []},
        headers=tenant.headers,
    )
    assert response.status_code == 422
    message = response.json()["error"]
    assert "VIVAVOCE_WEBHOOKS_ALLOW_PRIVATE=true" in message
    assert "127.0.0.1 resolves to" not in message
