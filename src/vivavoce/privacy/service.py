"""Erasing a participant's personal data (GDPR-style deletion requests).

The rows stay — sessions, applications and events keep their statuses, times and scores, so
counts and funnels remain right — but every copy of the person's data is erased: the
participant's fields, recruiter notes and external ids on sessions, event snapshots (and the
webhook payloads copied from them), emails, apply-page submissions (with the
self-identification answers waiting on them), the candidate's voluntary self-identification
(docs/bias-audit.md), one-way answers not yet submitted, final-decision reasons, and
interview recordings (unlinked at once, the audio deleted by a job after commit).

It runs as the handler of `participants`' `ParticipantErased` (`kit.bus`, subscribed by
`register` from `runtime.domain_handlers`), in the transaction of the request.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.applications import apply_service as apply_requests
from vivavoce.applications import service as applications
from vivavoce.assessments import service as assessments
from vivavoce.bias_audit import service as bias_audit
from vivavoce.coding import service as coding
from vivavoce.emails import service as emails
from vivavoce.events import service as events
from vivavoce.kit.bus import Handlers
from vivavoce.participants.domain_events import ParticipantErased
from vivavoce.sessions import service as sessions
from vivavoce.voice import service as voice


async def erase_everywhere(db: AsyncSession, event: ParticipantErased) -> None:
    """Erase a person's data everywhere once `participants` erased their own fields (their
    sessions of every template included: the request is about the person)."""
    participant, workspace_id = event.participant, event.participant.workspace_id
    await emails.erase_for_participant(
        db, participant.id, workspace_id=workspace_id, to_address=event.address
    )
    await apply_requests.erase_for_participant(db, workspace_id, event.address, participant.id)
    await bias_audit.erase_for_participant(db, workspace_id, participant.id)
    await sessions.erase_participant_data(db, workspace_id, participant.id)
    await assessments.erase_participant_data(db, workspace_id, participant.id)
    await coding.erase_participant_code(db, workspace_id, participant.id)
    await voice.erase_recordings(db, workspace_id, participant.id)
    await applications.erase_participant_data(db, workspace_id, participant.id)
    await events.redact_participant(db, workspace_id, participant.id)


def register(handlers: Handlers) -> None:
    handlers.subscribe(ParticipantErased, erase_everywhere)
