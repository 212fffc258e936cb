"""The dashboard's provider line (admins only) and `/readyz`'s LLM entry, from one source:
configured, reachable, what discovery found, and the kind of the latest failure."""

from __future__ import annotations

import httpx

from tests.conftest import make_tenant
from tests.emails.smtp import SmtpServer
from tests.fixtures.model_servers import running_model_server
from tests.interviewer.test_llm_provider import PLAN as ONE_QUESTION_PLAN
from tests.interviewer.test_llm_provider import transcript_with
from tests.web.conftest import running_site, unique_email
from tests.web.test_dashboard import PASSWORD, _login
from vivavoce.config import Settings
from vivavoce.interviewer import providers
from vivavoce.interviewer.engine import judge_request
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database
from vivavoce.workspaces import service as workspaces

LINE = "Interviewer model"


async def _signed_in(database: Database, role: str, site_url: str) -> httpx.AsyncClient:
    tenant = await make_tenant(database)
    email = unique_email(role)
    async with unit_of_work(database.sessionmaker) as db:
        await workspaces.create_user(db, tenant.id, email, PASSWORD, role)
    client = httpx.AsyncClient(base_url=site_url, timeout=10)
    assert (await _login(client, email, PASSWORD)).status_code == 303
    return client


async def test_admins_see_the_provider_line_and_its_latest_failure(
    settings: Settings, database: Database
) -> None:
    smtp = SmtpServer()
    smtp.start()
    try:
        async with running_model_server("openai") as fake:
            llm = {"llm_base_url": fake.api_url, "llm_model": fake.model, "llm_max_retries": 0}
            async with running_site(settings, database, smtp, **llm) as site:
                admin = await _signed_in(database, "admin", site.url)
                member = await _signed_in(database, "member", site.url)
                try:
                    before = (await admin.get("/dashboard")).text
                    assert LINE in before  # discovery ran at start-up, before any candidate
                    assert "structured output: JSON schema" in before
                    assert "none since start-up" in before
                    assert LINE not in (await member.get("/dashboard")).text

                    # this process's judge meets a rate limit: the offline judge decides
                    fake.rate_limited = 10
                    _, judge = providers.build(settings.model_copy(update=llm))
                    request = judge_request(ONE_QUESTION_PLAN, transcript_with("I built it."))
                    await judge.judge(request)

                    after = (await admin.get("/dashboard")).text
                    assert "<code>rate_limited</code>" in after
                    ready = (await admin.get("/readyz")).json()["optional"]["llm"]
                    assert ready["state"] == "ok" and ready["last_error"] == "rate_limited"
                    assert "structured output" in ready["capabilities"]
                finally:
                    await admin.aclose()
                    await member.aclose()
    finally:
        smtp.stop()
