"""Authenticity signals the server records itself, through the live room on a real server:
a second live connection taking over, a reconnect from another address or browser, and the
answer's latency and typing time from the room's own `typing` frames."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import websockets
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.web.conftest import Site, running_site
from tests.web.test_join import new_session, next_of, transcript_of, ws_url

from vivavoce.config import Settings
from vivavoce.runtime import Database


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


async def signals_of(api: httpx.AsyncClient, tenant: Tenant, session_id: str) -> Any:
    response = await api.get(f"/api/v1/sessions/{session_id}/signals", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def connect(url: str, agent: str, address: str = "127.0.0.1") -> Any:
    return websockets.connect(url, user_agent_header=agent, local_addr=(address, 0))


async def test_a_live_takeover_from_another_machine_is_counted_by_the_server(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await new_session(api, tenant)
    url = ws_url(session["join_url"])
    async with connect(url, "Browser A") as first:
        await first.send(json.dumps({"type": "consent"}))
        await next_of(first, "turn")
        async with connect(url, "Browser B", "127.0.0.2") as second:
            await second.send(json.dumps({"type": "resume"}))
            assert (await next_of(first, "status"))["state"] == "taken_over"
            await next_of(second, "turn")
    # the displaced page posted nothing: the count is the server's own
    data = await signals_of(api, tenant, session["id"])
    kinds = [event["kind"] for event in data["timeline"]]
    assert kinds == ["connection", "connection", "takeover"]
    first_seen, second_seen = (e["data"] for e in data["timeline"][:2])
    assert len(first_seen["address"]) == 12 and len(first_seen["user_agent"]) == 12
    assert first_seen["address"] != second_seen["address"]
    assert first_seen["user_agent"] != second_seen["user_agent"]
    assert "127.0.0" not in json.dumps(data) and "Browser" not in json.dumps(data)
    assert data["summary"]["concurrent_connections"] == 1
    assert data["summary"]["network_changes"] == 1  # address and browser changed: one change


async def test_a_reconnect_with_another_browser_is_a_change_not_a_takeover(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await new_session(api, tenant)
    url = ws_url(session["join_url"])
    async with connect(url, "Browser A") as socket:
        await socket.send(json.dumps({"type": "consent"}))
        await next_of(socket, "turn")
    async with connect(url, "Browser A") as socket:  # a reload: the same browser
        await socket.send(json.dumps({"type": "resume"}))
        await next_of(socket, "turn")
    async with connect(url, "Browser C") as socket:
        await socket.send(json.dumps({"type": "resume"}))
        await next_of(socket, "turn")
    summary = (await signals_of(api, tenant, session["id"]))["summary"]
    assert summary["concurrent_connections"] == 0
    assert summary["network_changes"] == 1


async def test_latency_and_typing_time_come_from_the_rooms_own_frames(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await new_session(api, tenant)
    url = ws_url(session["join_url"])
    answer = "I designed our billing service and ran its migration myself."  # 61 characters
    async with connect(url, "Browser A") as socket:
        await socket.send(json.dumps({"type": "consent"}))
        await next_of(socket, "turn")
        await asyncio.sleep(0.6)  # reading the greeting
        await socket.send(json.dumps({"type": "typing"}))
        await asyncio.sleep(2.5)  # typing
        await socket.send(json.dumps({"type": "typing"}))
        await socket.send(json.dumps({"type": "answer", "text": answer}))
        assert (await next_of(socket, "turn"))["speaker"] == "participant"
        await next_of(socket, "turn")
        await socket.send(json.dumps({"type": "answer", "text": answer + " " + answer}))
        assert (await next_of(socket, "turn"))["speaker"] == "participant"  # no typing seen
    turns = await transcript_of(api, tenant, session["id"])
    typed = turns[1]
    began = datetime.fromisoformat(typed["started_at"].replace("Z", "+00:00"))
    sent = datetime.fromisoformat(typed["ended_at"].replace("Z", "+00:00"))
    # first keystroke → send; stored times are whole seconds, so ±1 s of rounding
    assert 1.3 <= (sent - began).total_seconds() <= 5.0
    summary = (await signals_of(api, tenant, session["id"]))["summary"]
    assert 500 <= summary["answer_latency_ms"]["max"] <= 2500  # until the first keystroke
    # the typed answer ran at ~24 characters a second over 2.5 s; the second, with no
    # keystrokes at all, arrived within a moment of the question: both beyond a person
    assert summary["superhuman_typing"] == 2
