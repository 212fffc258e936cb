"""A mixed pipeline through a real server: a one-way screen auto-advances to a role-play
(invited, joined on its link, played over the live room, scored), which auto-advances to a
reviewer's panel, then to the final decision that closes the application."""

from __future__ import annotations

import json

import httpx
import websockets
from tests.assessments.modes import (
    answer_all,
    application_of,
    emails_for,
    next_session,
    pipeline,
    schedule,
    scored,
    token_of,
)
from tests.assessments.test_async_assessment import ANSWERS as SCREEN_ANSWERS
from tests.assessments.test_async_assessment import async_stage
from tests.assessments.test_final_review import FINAL, decide
from tests.assessments.test_manual_review import PANEL, SCORES, review
from tests.conftest import Tenant
from tests.web.conftest import Site, unique_email
from tests.web.test_join import next_of, ws_url
from tests.web.test_join_roleplay import ANSWERS, roleplay_stage


async def approve_if_held(api: httpx.AsyncClient, tenant: Tenant, world: dict[str, str]) -> str:
    """The application's id, advanced by hand when the scorer asked for a human look."""
    application = await application_of(api, tenant, world)
    if application["outcome"] == "awaiting_review":
        advanced = await api.post(
            f"/api/v1/applications/{application['id']}/advance", headers=tenant.headers
        )
        assert advanced.status_code == 200, advanced.text
    return str(application["id"])


async def play(join_url: str) -> None:
    async with websockets.connect(ws_url(join_url)) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        await next_of(socket, "turn")
        for answer in ANSWERS:
            await socket.send(json.dumps({"type": "answer", "text": answer}))
            while (await next_of(socket, "turn"))["speaker"] != "participant":
                pass
        ended = await next_of(socket, "status")
        while ended["state"] != "ended":
            ended = await next_of(socket, "status")
        assert ended["status"] == "completed"


async def test_one_way_then_roleplay_then_panel_then_the_decision(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    world = await pipeline(
        api,
        tenant,
        {**async_stage(), "pass_threshold": 0},
        roleplay_stage(pass_threshold=0),
        PANEL,
        FINAL,
        email=unique_email("pia"),
    )
    screen = await schedule(api, tenant, world, "one-way")
    await answer_all(api, token_of(screen), SCREEN_ANSWERS, origin=site.url)
    assert (await scored(api, tenant, screen["id"]))["passed"] is True
    application_id = await approve_if_held(api, tenant, world)

    call = await next_session(api, tenant, world, "support call")
    assert call["status"] == "scheduled"
    assert "invite" in await emails_for(api, tenant, call["id"])  # a candidate's stage
    await play(call["join_url"])
    assert (await scored(api, tenant, call["id"]))["passed"] is True
    await approve_if_held(api, tenant, world)

    panel = await next_session(api, tenant, world, "panel")
    started = await api.post(
        f"/api/v1/sessions/{panel['id']}/manual-review/start", headers=tenant.headers
    )
    assert started.status_code == 200, started.text
    done = await review(api, tenant, panel["id"], dimensions=SCORES, decision="advance")
    assert done.status_code == 200, done.text

    await next_session(api, tenant, world, "final")
    decided = await decide(api, tenant, application_id, decision="hire", reason="Offer.")
    assert decided.status_code == 200, decided.text
    rollup = {s["stage"]: s["status"] for s in decided.json()["data"]["stages"]}
    assert rollup == {
        "one-way": "completed",
        "support call": "completed",
        "panel": "completed",
        "final": "completed",
    }
    assert decided.json()["data"]["outcome"] == "passed"
