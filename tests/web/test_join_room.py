"""The live room through a real server: text the database cannot store (a lone surrogate, a
NUL character) and malformed signals in an answer get an error frame, the socket stays open
and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.web.conftest import Site, running_site
from tests.web.test_join import ANSWERS, new_session, next_of, transcript_of, ws_url

from vivavoce.config import Settings
from vivavoce.runtime import Database


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


async def test_unstorable_answers_get_an_error_frame_and_store_nothing(
    site: Site, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await new_session(api, tenant)
    async with websockets.connect(ws_url(session["join_url"])) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        await next_of(socket, "status")
        # JSON's \ud800 escape: a lone surrogate, valid JSON that no UTF-8 database takes
        for raw in (
            '{"type": "answer", "text": "I think \\ud800 so"}',
            '{"type": "answer", "text": "nul \\u0000 here"}',
            json.dumps({"type": "answer", "text": "ok", "signals": [{"kind": "nope"}]}),
            json.dumps({"type": "answer", "text": "ok", "signals": "paste"}),
        ):
            await socket.send(raw)
            refused = await next_of(socket, "error")
            assert refused["code"] in ("invalid_text", "invalid_signals"), refused
        assert len(await transcript_of(api, tenant, session["id"])) == 1  # the greeting only
        await socket.send(json.dumps({"type": "answer", "text": ANSWERS[0]}))  # still open
        assert (await next_of(socket, "turn"))["speaker"] == "participant"
    assert len(await transcript_of(api, tenant, session["id"])) == 3
