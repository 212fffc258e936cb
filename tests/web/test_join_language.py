"""The interview's language on the join page: the offline interviewer speaks English only, so
an interview set up in another language says so before consent (in that language where the
page has the sentence) and marks the conversation as English; an LLM interviewer speaks the
interview's language and the page says nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest
from tests.conftest import Tenant
from tests.fixtures.world import build_world, created, session_body

from vivavoce.config import Settings
from vivavoce.interviewer import providers


async def join_page(client: httpx.AsyncClient, tenant: Tenant, language: str) -> str:
    world = await build_world(client, tenant.headers, email=f"{uuid.uuid4().hex[:8]}@example.com")
    session = await created(
        await client.post(
            "/api/v1/sessions",
            json=session_body(world, language=language),
            headers=tenant.headers,
        )
    )
    assert session["language"] == language
    response = await client.get("/join/" + session["join_url"].rsplit("/", 1)[1])
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize(
    ("language", "local"),
    [
        ("de-DE", "Dieses Interview wird auf Englisch geführt."),
        ("fr", "Cet entretien se déroulera en anglais."),
        ("ja", None),  # no sentence in that language: the English notice alone
    ],
)
async def test_offline_interview_in_another_language_says_it_is_held_in_english(
    client: httpx.AsyncClient, tenant: Tenant, language: str, local: str | None
) -> None:
    page = await join_page(client, tenant, language)
    assert 'id="language-notice"' in page
    assert "This interview will be held in English." in page
    if local is not None:
        assert f'<p lang="{language}"><strong>{local}</strong></p>' in page
    assert 'id="conversation" class="conversation" lang="en"' in page


async def test_english_interview_has_no_language_notice(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    page = await join_page(client, tenant, "en-GB")
    assert 'id="language-notice"' not in page
    assert 'id="conversation" class="conversation" lang="en-GB"' in page


def test_who_speaks_what() -> None:
    offline = Settings(env="test")
    assert providers.speaks(offline, "en") and providers.speaks(offline, "en-US")
    assert not providers.speaks(offline, "de") and not providers.speaks(offline, "pt-BR")
    llm = Settings(env="test", llm_base_url="http://127.0.0.1:9/v1")
    assert providers.speaks(llm, "de") and providers.speaks(llm, "ja")
