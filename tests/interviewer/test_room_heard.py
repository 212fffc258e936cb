"""A spoken answer in the live room (in-process, real database): the recogniser's words are
stored with the turn, and a word it was unsure of is never quoted back by the interviewer,
while the same answer typed may be."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Tenant
from tests.emails.smtp import eventually
from tests.interviewer.test_room_ownership import Tab, scheduled
from tests.web.test_join import ANSWERS
from vivavoce.coding.room import LiveCodingRound
from vivavoce.config import Settings
from vivavoce.interviewer.offline import OfflineJudge, OfflineVoice
from vivavoce.interviewer.room import RoomDeps
from vivavoce.kit.recognition import Word
from vivavoce.models import SessionTurn
from vivavoce.runtime import Database
from vivavoce.sessions import service as sessions

VAGUE = "I think I used some kind of Wambrick queue for the orders, more or less."


def heard(unsure: set[str]) -> tuple[Word, ...]:
    return tuple((w, 0.2 if w.strip(",.") in unsure else 0.93) for w in VAGUE.split())


@pytest.fixture
def deps(settings: Settings, database: Database) -> RoomDeps:
    return RoomDeps(
        sessionmaker=database.sessionmaker,
        links=sessions.SessionLinks(settings.public_url or "", settings.secret_key),
        grace_seconds=120,
        voice=OfflineVoice(),
        judge=OfflineJudge(),
        coding=LiveCodingRound(database.sessionmaker),
    )


async def reply_to(deps: RoomDeps, token: str, words: tuple[Word, ...]) -> tuple[Tab, str]:
    """The interviewer's reply to VAGUE, said (with `words`) to the first question."""
    tab = Tab(deps, token)
    await tab.say({"type": "consent"})
    await tab.say({"type": "answer", "text": ANSWERS[0]})
    await tab.room.receive(json.dumps({"type": "answer", "text": VAGUE}), words)
    answered = next(f["index"] for f in tab.frames if f["type"] == "turn" and f["text"] == VAGUE)
    reply: dict[str, Any] = await eventually(
        lambda: next(
            (f for f in tab.frames if f["type"] == "turn" and f["index"] == answered + 1), None
        )
    )
    return tab, str(reply["text"])


async def stored_words(database: Database, session_id: str, text: str) -> Any:
    async with database.sessionmaker() as db:
        return await db.scalar(
            select(SessionTurn.words).where(
                SessionTurn.session_id == uuid.UUID(session_id), SessionTurn.text == text
            )
        )


async def test_a_word_the_recogniser_was_unsure_of_is_stored_and_never_quoted(
    deps: RoomDeps, database: Database, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session_id, token = await scheduled(client, tenant)
    tab, reply = await reply_to(deps, token, heard({"Wambrick"}))
    await tab.room.disconnected()
    assert "Wambrick" not in reply and "wambrick" not in reply.lower()
    words = await stored_words(database, session_id, VAGUE)
    assert [w["word"] for w in words] == VAGUE.split()
    assert [w["word"] for w in words if w["p"] < 0.5] == ["Wambrick"]


async def test_the_same_answer_heard_clearly_or_typed_may_be_quoted(
    deps: RoomDeps, database: Database, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for words in (heard(set()), ()):
        session_id, token = await scheduled(client, tenant)
        tab, reply = await reply_to(deps, token, words)
        await tab.room.disconnected()
        assert "Wambrick queue" in reply, reply
        typed = await stored_words(database, session_id, VAGUE)
        assert (typed is None) == (words == ())  # a typed answer stores no words
