"""Webhook delivery end to end: real receiver on 127.0.0.1, verified with the public
`standardwebhooks` and `svix` libraries, real worker on real PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
import standardwebhooks
import svix.webhooks

from tests.conftest import Tenant
from tests.events.conftest import register
from tests.fixtures.receiver import Receiver
from tests.fixtures.world import build_world, created, session_body
from vivavoce.kit import signing

pytestmark = pytest.mark.usefixtures("worker")


async def deliveries(
    client: httpx.AsyncClient, tenant: Tenant, endpoint_id: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/webhook-endpoints/{endpoint_id}/deliveries", headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def settled(
    client: httpx.AsyncClient, tenant: Tenant, endpoint_id: str, count: int, within: float = 20
) -> list[dict[str, Any]]:
    """Deliveries once `count` of them have stopped changing (succeeded or failed)."""
    deadline = time.monotonic() + within
    while True:
        rows = await deliveries(client, tenant, endpoint_id)
        done = [d for d in rows if d["status"] in ("succeeded", "failed")]
        if len(done) >= count:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries did not settle: {rows}")
        await asyncio.sleep(0.05)


async def test_every_event_reaches_subscribed_endpoints_signed_and_verifiable(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    everything = await register(client, tenant, receiver, "/all")
    cancels = await register(client, tenant, receiver, "/cancels", ["session.cancelled"])
    world = await build_world(client, tenant.headers)
    session = await created(
        await client.post("/api/v1/sessions", json=session_body(world), headers=tenant.headers)
    )
    await client.post(f"/api/v1/sessions/{session['id']}/cancel", headers=tenant.headers)

    await receiver.wait_for(
        lambda r: len(r.for_path("/all")) >= 3 and len(r.for_path("/cancels")) >= 1
    )
    all_events = sorted(r.payload["event"] for r in receiver.for_path("/all"))
    assert all_events == ["participant.created", "session.cancelled", "session.created"]
    assert [r.payload["event"] for r in receiver.for_path("/cancels")] == ["session.cancelled"]
    # the outbox, written with each event, holds these and no delivery still to come
    assert len(await deliveries(client, tenant, everything["id"])) == 3
    assert len(await deliveries(client, tenant, cancels["id"])) == 1
    assert receiver.unverified == []
    for item in receiver.received:
        assert item.webhook_id == item.payload["id"]
        assert item.webhook_id.startswith("evt_")
        assert item.headers["webhook-signature"].startswith("v1,")
    created_event = next(
        r for r in receiver.for_path("/all") if r.payload["event"] == "session.created"
    )
    assert created_event.payload["data"]["session"]["id"] == session["id"]
    assert created_event.payload["data"]["session"]["status"] == "scheduled"
    assert created_event.payload["occurred_at"].endswith("Z")
    participant_event = next(
        r for r in receiver.for_path("/all") if r.payload["event"] == "participant.created"
    )
    assert participant_event.payload["data"]["participant"]["id"] == world.participant_id

    log = await settled(client, tenant, everything["id"], 3)
    assert {d["status"] for d in log} == {"succeeded"}
    assert all(d["attempt_log"][0]["status_code"] == 200 for d in log)
    assert all(d["attempt_log"][0]["latency_ms"] is not None for d in log)
    assert len(await deliveries(client, tenant, cancels["id"])) == 1


async def test_a_tampered_body_or_a_stale_timestamp_fails_verification(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    endpoint = await register(client, tenant, receiver)
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    await receiver.wait_for(lambda r: len(r.received) == 1)
    item = receiver.received[0]
    assert item.payload["event"] == "webhook.test"
    secret = endpoint["secret"]
    standardwebhooks.Webhook(secret).verify(item.body, dict(item.headers))
    tampered = item.body.replace(b"test event", b"TEST EVENT")
    assert tampered != item.body
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(secret).verify(tampered, dict(item.headers))
    with pytest.raises(svix.webhooks.WebhookVerificationError):
        svix.webhooks.Webhook(secret).verify(tampered, dict(item.headers))
    stale = int(time.time()) - 600
    stale_headers = dict(item.headers) | {
        "webhook-timestamp": str(stale),
        "webhook-signature": signing.sign(secret, item.webhook_id, stale, item.body),
    }
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(secret).verify(item.body, stale_headers)
    with pytest.raises(svix.webhooks.WebhookVerificationError):
        svix.webhooks.Webhook(secret).verify(item.body, stale_headers)


async def test_after_rotation_both_secrets_verify_during_the_overlap(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    endpoint = await register(client, tenant, receiver)
    rotated = await client.post(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=tenant.headers
    )
    assert rotated.status_code == 200
    new_secret = rotated.json()["data"]["secret"]
    assert new_secret != endpoint["secret"]
    assert rotated.json()["data"]["secret_rotated_until"] is not None
    receiver.secrets.append(new_secret)
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    await receiver.wait_for(lambda r: len(r.received) == 1)
    assert sorted(receiver.received[0].verified_by) == sorted([endpoint["secret"], new_secret])
    assert len(receiver.received[0].headers["webhook-signature"].split(" ")) == 2
    listed = await client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}", headers=tenant.headers)
    assert "secret" not in listed.json()["data"]


async def test_a_failure_is_retried_with_the_same_webhook_id_until_it_succeeds(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    receiver.reply = lambda _item, n: (500, {}, 0.0) if n == 1 else (200, {}, 0.0)
    endpoint = await register(client, tenant, receiver)
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    await receiver.wait_for(lambda r: len(r.received) == 2)
    first, second = receiver.received
    assert first.webhook_id == second.webhook_id
    assert first.body == second.body
    [delivery] = await settled(client, tenant, endpoint["id"], 1)
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"] == 2
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 200]
    assert delivery["attempt_log"][0]["error"] == "HTTP 500"


async def test_persistent_errors_exhaust_the_schedule_and_fail_the_delivery(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    receiver.reply = lambda _item, _n: (500, {}, 0.0)
    endpoint = await register(client, tenant, receiver)
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    [delivery] = await settled(client, tenant, endpoint["id"], 1)
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 4  # the first try and the three retries of the schedule
    assert len(receiver.received) == 4
    state = (
        await client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}", headers=tenant.headers)
    ).json()["data"]
    assert state["enabled"] is True
    assert state["failing_since"] is not None


async def test_410_gone_disables_the_endpoint(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    receiver.reply = lambda _item, _n: (410, {}, 0.0)
    endpoint = await register(client, tenant, receiver)
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    [delivery] = await settled(client, tenant, endpoint["id"], 1)
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 1
    state = (
        await client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}", headers=tenant.headers)
    ).json()["data"]
    assert state["enabled"] is False
    assert "410" in state["disabled_reason"]
    await build_world(client, tenant.headers)  # writes participant.created
    assert len(await deliveries(client, tenant, endpoint["id"])) == 1
    refused = await client.post(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers
    )
    assert refused.status_code == 409
    enabled = await client.patch(
        f"/api/v1/webhook-endpoints/{endpoint['id']}",
        json={"enabled": True},
        headers=tenant.headers,
    )
    assert enabled.json()["data"]["enabled"] is True
    assert enabled.json()["data"]["disabled_reason"] is None


async def test_a_slow_receiver_times_out_and_is_retried(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    receiver.reply = lambda _item, n: (200, {}, 1.5) if n == 1 else (200, {}, 0.0)
    endpoint = await register(client, tenant, receiver)
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    [delivery] = await settled(client, tenant, endpoint["id"], 1)
    assert delivery["status"] == "succeeded"
    assert "timed out" in delivery["attempt_log"][0]["error"]
    assert delivery["attempt_log"][0]["status_code"] is None


async def test_redirects_are_failures_and_never_followed(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    receiver.reply = lambda _item, _n: (307, {"location": receiver.url("/elsewhere")}, 0.0)
    endpoint = await register(client, tenant, receiver)
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    [delivery] = await settled(client, tenant, endpoint["id"], 1)
    assert delivery["status"] == "failed"
    assert "redirect" in delivery["attempt_log"][0]["error"]
    assert receiver.for_path("/elsewhere") == []


async def test_retry_after_is_honoured(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    receiver.reply = lambda _item, n: (503, {"retry-after": "2"}, 0.0) if n == 1 else (200, {}, 0.0)
    endpoint = await register(client, tenant, receiver)
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    await receiver.wait_for(lambda r: len(r.received) == 2)
    gap = receiver.received[1].at - receiver.received[0].at
    assert gap >= 1.9  # not the schedule's 0.2 s


async def test_a_replay_sends_the_same_event_again(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    endpoint = await register(client, tenant, receiver)
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    [delivery] = await settled(client, tenant, endpoint["id"], 1)
    replay = await client.post(
        f"/api/v1/webhook-deliveries/{delivery['id']}/retry", headers=tenant.headers
    )
    assert replay.status_code == 202
    await receiver.wait_for(lambda r: len(r.received) == 2)
    assert receiver.received[0].webhook_id == receiver.received[1].webhook_id
    assert receiver.received[0].body == receiver.received[1].body


async def test_webhook_objects_of_another_workspace_are_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, receiver: Receiver
) -> None:
    endpoint = await register(client, tenant, receiver)
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    [delivery] = await settled(client, tenant, endpoint["id"], 1)
    base = f"/api/v1/webhook-endpoints/{endpoint['id']}"
    for method, path in (
        ("GET", base),
        ("PATCH", base),
        ("DELETE", base),
        ("POST", f"{base}/rotate-secret"),
        ("POST", f"{base}/test"),
        ("GET", f"{base}/deliveries"),
        ("POST", f"/api/v1/webhook-deliveries/{delivery['id']}/retry"),
    ):
        kwargs: dict[str, Any] = {"json": {"description": "x"}} if method == "PATCH" else {}
        response = await client.request(method, path, headers=other_tenant.headers, **kwargs)
        assert response.status_code == 404, (method, path, response.text)
    listed = await client.get("/api/v1/webhook-endpoints", headers=other_tenant.headers)
    assert listed.json()["data"] == []


async def test_endpoint_validation_errors_are_422(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    body: dict[str, Any]
    for body in (
        {"url": receiver.url(), "events": ["session.exploded"]},
        {"url": "ftp://example.com/hook"},
        {"url": "http://user:pw@example.com/hook"},
        {"url": "x" * 2001},
        {"events": []},
    ):
        response = await client.post("/api/v1/webhook-endpoints", json=body, headers=tenant.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["issues"]


async def test_an_endpoint_failing_for_five_days_is_disabled(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver, database: Any
) -> None:
    from sqlalchemy import text

    receiver.reply = lambda _item, _n: (500, {}, 0.0)
    endpoint = await register(client, tenant, receiver)
    async with database.sessionmaker() as db, db.begin():
        await db.execute(
            text(
                "UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute'"
                " WHERE id = :id"
            ),
            {"id": endpoint["id"]},
        )
    await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
    [delivery] = await settled(client, tenant, endpoint["id"], 1)
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 1
    state = (
        await client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}", headers=tenant.headers)
    ).json()["data"]
    assert state["enabled"] is False
    assert "5 days" in state["disabled_reason"]


async def test_a_test_send_answers_a_complete_delivery(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    endpoint = await register(client, tenant, receiver)
    response = await client.post(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers
    )
    data = response.json()["data"]
    assert data["attempts"] == 0
    assert data["created_at"] is not None
    assert data["status"] == "pending"


async def test_concurrent_deliveries_are_each_recorded_once(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    # The worker reads and records concurrent jobs in shared statements: each delivery must
    # still get exactly its own attempt and its own success.
    endpoints = [await register(client, tenant, receiver, f"/e{n}") for n in range(2)]
    sends = [
        client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", headers=tenant.headers)
        for endpoint in endpoints
        for _ in range(20)
    ]
    assert {response.status_code for response in await asyncio.gather(*sends)} == {202}
    await receiver.wait_for(lambda r: len(r.received) >= 40)
    for n, endpoint in enumerate(endpoints):
        log = await settled(client, tenant, endpoint["id"], 20)
        assert len(log) == 20
        assert {d["status"] for d in log} == {"succeeded"}
        assert all(len(d["attempt_log"]) == 1 for d in log)
        assert all(d["attempt_log"][0]["status_code"] == 200 for d in log)
        ids = {r.webhook_id for r in receiver.for_path(f"/e{n}")}
        assert len(ids) == 20
    assert receiver.unverified == []
