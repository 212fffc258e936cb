"""A `private` template reaches as far as what hangs off it: its sessions' sub-resources
(events, signals, transcript and its stream, reschedule, cancel), its participants, its
applications, the workspace event log and the email log. For anyone but its creator — another user's key,
an admin's key included, and the workspace's userless key — each of those is the same 404 as
another workspace's id and is left out of lists (pages end where they should); the creator's
key sees all of it. Webhooks go to the workspace's endpoints in full (docs/api.md)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.events.conftest import register
from tests.fixtures.payloads import agent_profile
from tests.fixtures.receiver import Receiver
from tests.fixtures.world import add_participant, created
from tests.web.test_apply_rules import Visitor
from vivavoce.kit.db import unit_of_work
from vivavoce.workspaces import service as workspaces
from vivavoce.workspaces.scopes import ALL_SCOPES

PASSWORD = "correct horse battery staple"
KEYS = ("id", "candidate_id", "application_id")


async def user_key(tenant: Tenant, role: str) -> dict[str, str]:
    """A key made in the dashboard by a new user of `role`: it acts as that user."""
    async with unit_of_work(tenant.database.sessionmaker) as db:
        user = await workspaces.create_user(
            db, tenant.id, f"{role}-{uuid.uuid4().hex[:8]}@example.com", PASSWORD, role
        )
        key = await workspaces.create_api_key(
            db, tenant.id, f"{role}'s key", list(ALL_SCOPES), created_by=user.id
        )
    return {"x-api-key": key.secret}


@dataclass
class Pipeline:
    """A template with one stage, a participant, their session and application."""

    template_id: str
    participant_id: str
    session: dict[str, Any]
    application_id: str


async def pipeline(client: httpx.AsyncClient, headers: dict[str, str], visibility: str) -> Pipeline:
    profile = await created(
        await client.post("/api/v1/agent-profiles", json=agent_profile(), headers=headers)
    )
    template = await created(
        await client.post(
            "/api/v1/evaluation-templates",
            json={"template_name": f"{visibility} role", "visibility": visibility},
            headers=headers,
        )
    )
    stage = {"evaluation_template_id": template["id"], "type": "screen"}
    stage["agent_profile_id"] = profile["id"]
    await created(await client.post("/api/v1/evaluation-stages", json=stage, headers=headers))
    email = f"p-{uuid.uuid4().hex[:8]}@example.org"
    person = await add_participant(client, headers, template["id"], email)
    body = {"candidate_id": person, "evaluation_template_id": template["id"], "stage": "screen"}
    session = await created(await client.post("/api/v1/sessions", json=body, headers=headers))
    return Pipeline(template["id"], person, session, session["application_id"])


def ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["data"]}


async def every_id(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> list[str]:
    """Every item of a list, one per page: hidden rows must neither show nor end a page."""
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    while True:
        page = await client.get(path, params=params, headers=headers)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["data"]]
        cursor = page.json()["next_cursor"]
        if not page.json()["has_more"]:
            assert cursor is None
            return seen
        assert page.json()["data"], "a page with more after it is never empty"
        params["cursor"] = cursor


def about(event: dict[str, Any]) -> set[str]:
    """The ids of the objects an event's payload is about (its object, and the candidate of
    a session or application)."""
    found: set[str] = set()
    for kind in ("session", "participant", "application"):
        snapshot = event["data"].get(kind) or {}
        found |= {snapshot[key] for key in KEYS if snapshot.get(key)}
    return found


async def same_as_foreign(
    client: httpx.AsyncClient, answer: httpx.Response, world: dict[str, Any]
) -> None:
    """`answer` is the 404 another workspace's key gets for the same request."""
    request = answer.request
    foreign = await client.request(
        request.method,
        str(request.url),
        content=request.content,
        headers={**request.headers, "x-api-key": world["foreign"]["x-api-key"]},
    )
    assert answer.status_code == foreign.status_code == 404, (answer.text, foreign.text)
    mine, theirs = answer.json(), foreign.json()
    mine.pop("request_id"), theirs.pop("request_id")
    assert mine == theirs


@pytest.fixture
async def world(client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant) -> dict[str, Any]:
    creator = await user_key(tenant, "member")
    private = await pipeline(client, creator, "private")
    shared = await pipeline(client, creator, "team")
    return {
        "creator": creator,
        "private": private,
        "shared": shared,
        "foreign": other_tenant.headers,
        "outsiders": {
            "colleague": await user_key(tenant, "member"),
            "admin": await user_key(tenant, "admin"),
            "userless": tenant.headers,
        },
    }


async def test_session_sub_resources_are_404_to_all_but_the_creator(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    session = world["private"].session
    base = f"/api/v1/sessions/{session['id']}"
    reads = ("", "/events", "/signals", "/transcript", "/transcript/stream")
    for headers in world["outsiders"].values():
        for path in reads:
            answer = await client.get(base + path, headers=headers)
            await same_as_foreign(client, answer, world)
        later = {"notes": "moved by someone else"}
        await same_as_foreign(client, await client.patch(base, json=later, headers=headers), world)
        await same_as_foreign(client, await client.post(f"{base}/cancel", headers=headers), world)
        # and a colleague's own team session answers as usual
        shared = f"/api/v1/sessions/{world['shared'].session['id']}"
        assert (await client.get(f"{shared}/transcript", headers=headers)).status_code == 200

    creator = world["creator"]
    untouched = (await client.get(base, headers=creator)).json()["data"]
    assert untouched["status"] == "scheduled" and untouched["notes"] is None
    for path in ("/events", "/signals", "/transcript"):
        assert (await client.get(base + path, headers=creator)).status_code == 200, path
    events = (await client.get(f"{base}/events", headers=creator)).json()["data"]
    assert "session.created" in {e["event"] for e in events}
    moved = await client.patch(base, json={"notes": "by me"}, headers=creator)
    assert moved.status_code == 200 and moved.json()["data"]["notes"] == "by me"
    cancelled = await client.post(f"{base}/cancel", headers=creator)
    assert cancelled.status_code == 200 and cancelled.json()["data"]["status"] == "cancelled"


async def test_participants_of_a_private_template_exist_only_for_its_creator(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    private, shared = world["private"], world["shared"]
    one = f"/api/v1/participants/{private.participant_id}"
    for name, headers in world["outsiders"].items():
        listed = await every_id(client, "/api/v1/participants", headers)
        assert private.participant_id not in listed and shared.participant_id in listed, name
        by_template = await client.get(
            "/api/v1/participants",
            params={"evaluation_template_id": private.template_id},
            headers=headers,
        )
        assert ids(by_template) == set(), name
        await same_as_foreign(client, await client.get(one, headers=headers), world)
        renamed = await client.patch(one, json={"name": "Taken"}, headers=headers)
        await same_as_foreign(client, renamed, world)
        for purge in ("false", "true"):
            gone = await client.delete(one, params={"purge": purge}, headers=headers)
            await same_as_foreign(client, gone, world)
        moved = await client.patch(
            f"/api/v1/participants/{shared.participant_id}",
            json={"evaluation_template_id": private.template_id},
            headers=headers,
        )
        assert moved.status_code == 404, name
        assert moved.json()["error"] == "evaluation template not found"
        added = await client.post(
            "/api/v1/participants",
            json={
                "name": "X",
                "email": "x@example.org",
                "evaluation_template_id": private.template_id,
            },
            headers=headers,
        )
        await same_as_foreign(client, added, world)
        bulk = await client.post(
            "/api/v1/participants/bulk",
            json={
                "evaluation_template_id": private.template_id,
                "participants": [{"name": "Y", "email": "y@example.org"}],
            },
            headers=headers,
        )
        await same_as_foreign(client, bulk, world)
        # scheduling them on a template the caller sees: the participant does not exist
        scheduled = await client.post(
            "/api/v1/sessions",
            json={
                "candidate_id": private.participant_id,
                "evaluation_template_id": shared.template_id,
                "stage": "screen",
            },
            headers=headers,
        )
        assert scheduled.status_code == 404, name
        assert scheduled.json()["error"] == "participant not found"

    creator = world["creator"]
    mine = await client.get(one, headers=creator)
    assert mine.status_code == 200 and mine.json()["data"]["name"] == "Grace Hopper"
    assert private.participant_id in await every_id(client, "/api/v1/participants", creator)


async def test_applications_of_a_private_template_exist_only_for_its_creator(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    private, shared = world["private"], world["shared"]
    one = f"/api/v1/applications/{private.application_id}"
    for name, headers in world["outsiders"].items():
        listed = await every_id(client, "/api/v1/applications", headers)
        assert private.application_id not in listed and shared.application_id in listed, name
        filtered = await client.get(
            "/api/v1/applications",
            params={"candidate_id": private.participant_id},
            headers=headers,
        )
        assert ids(filtered) == set(), name
        await same_as_foreign(client, await client.get(one, headers=headers), world)
        for action in ("approve", "reject", "advance"):
            await same_as_foreign(
                client, await client.post(f"{one}/{action}", headers=headers), world
            )
        by_hand = await client.post(
            "/api/v1/applications",
            json={
                "candidate_id": shared.participant_id,
                "evaluation_template_id": private.template_id,
            },
            headers=headers,
        )
        assert by_hand.status_code == 404, name

    creator = world["creator"]
    mine = await client.get(one, headers=creator)
    assert mine.status_code == 200 and mine.json()["data"]["approval_status"] == "approved"
    assert private.application_id in await every_id(client, "/api/v1/applications", creator)


async def test_the_event_log_leaves_out_a_private_templates_events(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    private, shared = world["private"], world["shared"]
    hidden = {private.session["id"], private.participant_id, private.application_id}
    visible = {shared.session["id"], shared.participant_id}
    for name, headers in world["outsiders"].items():
        log = (await client.get("/api/v1/events", params={"limit": 100}, headers=headers)).json()
        concerned: set[str] = set().union(*(about(e) for e in log["data"]))
        assert not concerned & hidden, name
        assert visible <= concerned, name
        paged = await every_id(client, "/api/v1/events", headers)
        assert paged == [e["id"] for e in log["data"]], name

    mine = await client.get("/api/v1/events", params={"limit": 100}, headers=world["creator"])
    concerned = set().union(*(about(e) for e in mine.json()["data"]))
    assert hidden | visible <= concerned


async def test_the_email_log_leaves_out_a_private_templates_emails(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    private, shared = world["private"], world["shared"]
    mine = await client.get("/api/v1/emails", params={"limit": 100}, headers=world["creator"])
    by_session = {m["session_id"]: m["id"] for m in mine.json()["data"] if m["session_id"]}
    invite = by_session[private.session["id"]]  # the invitation, written as it was scheduled
    assert shared.session["id"] in by_session
    for name, headers in world["outsiders"].items():
        listed = await every_id(client, "/api/v1/emails", headers)
        assert invite not in listed and by_session[shared.session["id"]] in listed, name
        about_it = await client.get(
            "/api/v1/emails", params={"session_id": private.session["id"]}, headers=headers
        )
        assert ids(about_it) == set(), name
        await same_as_foreign(
            client, await client.get(f"/api/v1/emails/{invite}", headers=headers), world
        )
    one = await client.get(f"/api/v1/emails/{invite}", headers=world["creator"])
    assert one.status_code == 200 and one.json()["data"]["session_id"] == private.session["id"]


async def test_a_private_templates_apply_page_is_public_and_its_applicants_stay_private(
    client: httpx.AsyncClient, world: dict[str, Any], app: Any
) -> None:
    """`private` is about who in the workspace sees the template; the public page is the
    separate `apply.enabled`, which only the creator can switch on (docs/apply.md)."""
    private = world["private"]
    opened = await client.patch(
        f"/api/v1/evaluation-templates/{private.template_id}",
        json={"apply": {"enabled": True, "requires_otp": False, "requires_approval": True}},
        headers=world["creator"],
    )
    assert opened.status_code == 200, opened.text
    for headers in world["outsiders"].values():
        refused = await client.patch(
            f"/api/v1/evaluation-templates/{private.template_id}",
            json={"apply": {"enabled": False}},
            headers=headers,
        )
        await same_as_foreign(client, refused, world)
    address = (f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7", 40_000)
    transport = httpx.ASGITransport(app=app, client=address)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        applied = await Visitor(http).apply(private.template_id, "ada@example.org")
    assert applied.status_code in (200, 303), applied.text

    mine = await client.get(
        "/api/v1/applications",
        params={"evaluation_template_id": private.template_id},
        headers=world["creator"],
    )
    pending = [a for a in mine.json()["data"] if a["approval_status"] == "pending"]
    assert [a["source"] for a in pending] == ["apply_page"], mine.text
    for name, headers in world["outsiders"].items():
        listed = await every_id(client, "/api/v1/applications", headers)
        assert pending[0]["id"] not in listed, name
        approve = await client.post(
            f"/api/v1/applications/{pending[0]['id']}/approve", headers=headers
        )
        await same_as_foreign(client, approve, world)


@pytest.mark.usefixtures("worker")
async def test_webhooks_carry_a_private_templates_events_to_the_workspace_endpoints(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    await register(client, tenant, receiver, "/ats", ["session.created"])
    creator = await user_key(tenant, "member")
    private = await pipeline(client, creator, "private")
    await receiver.wait_for(lambda r: len(r.for_path("/ats")) >= 1)
    [delivery] = receiver.for_path("/ats")
    assert receiver.unverified == []
    assert delivery.payload["data"]["session"]["id"] == private.session["id"]
    assert delivery.payload["data"]["session"]["evaluation_template_id"] == private.template_id
