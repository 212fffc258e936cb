"""What a one-way assessment's recordings and questions sound like: the recording under
review and the spoken question for the candidate's page (by join token), and each recorded
answer behind its signed link for recruiters (docs/one-way.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.assessments import repository
from vivavoce.assessments.service import Assessment
from vivavoce.interviewer.plan import InterviewPlan
from vivavoce.kit.errors import Conflict, Forbidden, NotFound
from vivavoce.sessions import recording_links as links
from vivavoce.sessions import service as sessions
from vivavoce.sessions.state import Status
from vivavoce.voice.recordings import RecordingStore, StoredAudio


async def _progress_for_token(db: AsyncSession, token: str) -> Assessment:
    session = await sessions.session_for_token(db, token)
    if await sessions.stage_mode(db, session) != "async":
        raise Conflict("this session is not a one-way assessment", code="wrong_mode")
    progress = await repository.get(db, session.id)
    return Assessment(session, progress, await sessions.assessment_settings(db, session))


async def draft_recording(db: AsyncSession, token: str) -> dict[str, Any]:
    """The recording awaiting submit or retake (its key and content type), for the page to
    play back; NotFound when there is none."""
    loaded = await _progress_for_token(db, token)
    progress = loaded.progress
    if progress is None or progress.phase != "review" or not progress.draft_media:
        raise NotFound("recording")
    return progress.draft_media


async def question_to_speak(db: AsyncSession, token: str) -> str:
    """The text of the question on the table, once shown, on a stage that speaks its
    questions; NotFound otherwise."""
    loaded = await _progress_for_token(db, token)
    progress = loaded.progress
    if (
        not loaded.settings.speak_questions
        or progress is None
        or progress.phase == "ready"
        or loaded.session.status != Status.IN_PROGRESS.value
    ):
        raise NotFound("question")
    plan = InterviewPlan.from_dict(progress.plan)
    if progress.position >= len(plan.questions):
        raise NotFound("question")
    return plan.questions[progress.position].text


async def recorded_answers(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    base_url: str,
    secret_key: str,
    now: datetime,
) -> dict[int, dict[str, str]]:
    """Each recorded answer of a session by its turn's index: kind and signed link (the
    caller has checked the session is the reader's)."""
    return {
        index: {
            "kind": str(recorded.get("kind") or "audio"),
            "url": links.answer_url(base_url, secret_key, session_id, index, now),
        }
        for index, recorded in await repository.recorded_answers(db, workspace_id, session_id)
    }


async def open_answer(
    db: AsyncSession,
    store: RecordingStore,
    secret_key: str,
    session_id: uuid.UUID,
    index: int,
    expires: int,
    signature: str,
    now: datetime,
) -> tuple[StoredAudio, str]:
    """The recording behind a signed answer link and its content type: Forbidden when the
    link is expired or tampered with, NotFound when there is none (or it was erased)."""
    if not links.answer_link_valid(secret_key, session_id, index, expires, signature, now):
        raise Forbidden("this recording link is invalid or has expired", code="link_invalid")
    session = await sessions.get_any(db, session_id)
    found = (
        None
        if session is None
        else dict(await repository.recorded_answers(db, session.workspace_id, session_id)).get(
            index
        )
    )
    stored = None if found is None else await store.open(str(found.get("key")))
    if found is None or stored is None:
        raise NotFound("recording")
    return stored, str(found.get("content_type") or "application/octet-stream")
