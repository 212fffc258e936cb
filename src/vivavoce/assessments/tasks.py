"""Jobs: transcribing a one-way assessment's recorded answers (`assessments.transcription`)."""

from __future__ import annotations

import uuid
from typing import Any

from vivavoce.assessments import service, transcription
from vivavoce.kit.jobs import JobContext, JobRegistry
from vivavoce.voice.service import store_for


async def transcribe_answer(context: JobContext, payload: dict[str, Any]) -> None:
    await transcription.transcribe_answer(
        context.sessionmaker,
        context.settings,
        store_for(context.settings),
        uuid.UUID(str(payload["turn_id"])),
    )


def register(registry: JobRegistry) -> None:
    registry.job(service.TRANSCRIBE_JOB)(transcribe_answer)
