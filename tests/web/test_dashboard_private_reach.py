"""In the dashboard, what hangs off a `private` template is as invisible to a colleague (an
admin included) as the template: its participants on the participants page and the
its emails in the outbox, and its applications' Approve / Reject /
Advance even when posted under a template page the colleague does see."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from tests.conftest import make_tenant
from tests.emails.smtp import SmtpServer
from tests.web.conftest import Site, running_site
from tests.web.test_dashboard import PASSWORD, _form_post, _login, add_user
from tests.web.test_dashboard_private import dashboard_key, dashboard_template, session_on

from vivavoce.config import Settings
from vivavoce.runtime import Database


@pytest.fixture(scope="module")
async def site(settings: Settings, database: Database, smtp: SmtpServer) -> AsyncIterator[Site]:
    async with running_site(settings, database, smtp) as running:
        yield running


def outbox_ids(html: str) -> set[str]:
    return set(re.findall(r'href="/dashboard/outbox/([0-9a-f-]{36})"', html))


async def test_a_private_templates_people_emails_and_applications_stay_with_its_creator(
    site: Site, database: Database
) -> None:
    tenant = await make_tenant(database)
    owner = await add_user(database, tenant, "admin")
    colleague = await add_user(database, tenant, "admin")  # admins are no exception
    async with (
        httpx.AsyncClient(base_url=site.url, timeout=10) as mine,
        httpx.AsyncClient(base_url=site.url, timeout=10) as theirs,
    ):
        assert (await _login(mine, owner, PASSWORD)).status_code == 303
        assert (await _login(theirs, colleague, PASSWORD)).status_code == 303
        private = await dashboard_template(mine, "Secret search", "private")
        shared = await dashboard_template(theirs, "Open role", "team")
        my_key, their_key = await dashboard_key(mine), await dashboard_key(theirs)
        secret = await session_on(mine, my_key, private)
        visible = await session_on(theirs, their_key, shared)
        emails = {}
        for key, session in ((my_key, secret), (their_key, visible)):
            person = await mine.get(f"/api/v1/participants/{session['candidate_id']}", headers=key)
            emails[session["id"]] = person.json()["data"]["email"]

        people = (await theirs.get("/dashboard/participants")).text
        assert emails[secret["id"]] not in people and emails[visible["id"]] in people
        assert emails[secret["id"]] in (await mine.get("/dashboard/participants")).text
        filtered = await theirs.get("/dashboard/participants", params={"template": private})
        assert filtered.status_code == 200 and emails[secret["id"]] not in filtered.text
        choices = (await theirs.get("/dashboard/sessions/new")).text  # whom to schedule
        assert secret["candidate_id"] not in choices and visible["candidate_id"] in choices

        mine_outbox = outbox_ids((await mine.get("/dashboard/outbox")).text)
        their_outbox = outbox_ids((await theirs.get("/dashboard/outbox")).text)
        hidden = mine_outbox - their_outbox
        assert hidden, "the owner's invitation is in their outbox only"
        assert their_outbox, "the colleague's own invitation is there"
        for email_id in hidden:
            assert (await theirs.get(f"/dashboard/outbox/{email_id}")).status_code == 404
            assert (await mine.get(f"/dashboard/outbox/{email_id}")).status_code == 200

        application = secret["application_id"]
        for decision in ("approve", "reject", "advance"):
            forged = await _form_post(
                theirs, f"/dashboard/templates/{shared}/applications/{application}/{decision}", {}
            )
            assert forged.status_code == 404, decision
        still = await mine.get(f"/api/v1/applications/{application}", headers=my_key)
        assert still.json()["data"]["approval_status"] == "approved"
