"""Participants: create (one or in bulk), read, update, archive and erase.

An email is unique per workspace and template, compared case-insensitively (the unique index
`uq_participant_email` enforces it; the checks here give the caller the existing id)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.events import service as events
from vivavoce.kit import bus
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import violated_constraint
from vivavoce.kit.errors import Conflict, NotFound
from vivavoce.kit.ids import uuid7
from vivavoce.kit.pagination import Page, PageRequest, page_from_rows
from vivavoce.models import Participant
from vivavoce.participants import repository
from vivavoce.participants.domain_events import ParticipantErased
from vivavoce.participants.schemas import (
    BulkCreate,
    ParticipantCreate,
    ParticipantUpdate,
    participant_public,
)
from vivavoce.templates import service as templates
from vivavoce.templates.visibility import Reader

ERASED_NAME = "Erased participant"


@dataclass(frozen=True)
class Skipped:
    index: int
    email: str
    reason: str
    existing_id: uuid.UUID

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "email": self.email,
            "reason": self.reason,
            "existing_id": str(self.existing_id),
        }


@dataclass(frozen=True)
class BulkResult:
    created: list[Participant]
    skipped: list[Skipped]


def _is_email_clash(exc: IntegrityError) -> bool:
    return violated_constraint(exc) == "uq_participant_email"


def _duplicate(existing_id: uuid.UUID) -> Conflict:
    return Conflict(
        "a participant with this email already exists for this evaluation template",
        code="duplicate_participant",
        existing_id=str(existing_id),
    )


def _build(
    workspace_id: uuid.UUID,
    body: ParticipantCreate,
    template_id: uuid.UUID | None,
    participant_id: uuid.UUID | None = None,
) -> Participant:
    return Participant(
        id=participant_id or uuid7(),
        workspace_id=workspace_id,
        name=body.name,
        email=body.email,
        evaluation_template_id=template_id,
        external_id=body.external_id,
        phone=body.phone,
        tags=body.tags,
        profile=body.profile.model_dump(),
        background=body.background.model_dump(),
        resume_url=body.resume_url,
        pipeline_id=body.pipeline_id,
        metadata_=body.metadata,
        status=body.status,
    )


async def _record_created(db: AsyncSession, participant: Participant) -> None:
    await events.record(
        db,
        participant.workspace_id,
        "participant.created",
        {"participant": participant_public(participant)},
        utcnow(),
        participant_id=participant.id,
    )


async def _check_template(
    db: AsyncSession, workspace_id: uuid.UUID, template_id: uuid.UUID | None, reader: Reader | None
) -> None:
    if template_id is not None:
        await templates.get_template(db, workspace_id, template_id, reader)


async def _insert_one(db: AsyncSession, participant: Participant) -> uuid.UUID | None:
    """Insert in a savepoint; on an email clash (a concurrent insert won) return the holder."""
    try:
        async with db.begin_nested():
            await repository.add_all(db, [participant])
    except IntegrityError as exc:
        if not _is_email_clash(exc):
            raise
        existing = await repository.by_email(
            db, participant.workspace_id, participant.evaluation_template_id, participant.email
        )
        if existing is None:  # the winner was rolled back meanwhile; nothing to point at
            raise
        return existing.id
    return None


async def create(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    body: ParticipantCreate,
    reader: Reader | None = None,
) -> Participant:
    """Create one participant and its `participant.created` event; 409 on a duplicate email.
    A template `reader` may not see is 404, as another workspace's."""
    await _check_template(db, workspace_id, body.evaluation_template_id, reader)
    existing = await repository.by_email(db, workspace_id, body.evaluation_template_id, body.email)
    if existing is not None:
        raise _duplicate(existing.id)
    participant = _build(workspace_id, body, body.evaluation_template_id)
    clash = await _insert_one(db, participant)
    if clash is not None:
        raise _duplicate(clash)
    await _record_created(db, participant)
    return participant


async def bulk_create(
    db: AsyncSession, workspace_id: uuid.UUID, body: BulkCreate, reader: Reader | None = None
) -> BulkResult:
    """Create many participants at once. Emails already taken (in the batch or in the
    workspace, for the same template) are skipped and reported, not errors."""
    template_of = [
        item.evaluation_template_id or body.evaluation_template_id for item in body.participants
    ]
    for template_id in dict.fromkeys(template_of):
        await _check_template(db, workspace_id, template_id, reader)
    taken = await repository.ids_by_email(db, workspace_id, {i.email for i in body.participants})
    planned: list[tuple[int, Participant]] = []
    planned_ids: set[uuid.UUID] = set()
    skipped: list[Skipped] = []
    for index, (item, template_id) in enumerate(zip(body.participants, template_of, strict=True)):
        key = (template_id, item.email.lower())
        holder = taken.get(key)
        if holder is not None:
            reason = "duplicate_in_batch" if holder in planned_ids else "already_exists"
            skipped.append(Skipped(index, item.email, reason, holder))
            continue
        participant = _build(workspace_id, item, template_id)
        taken[key] = participant.id
        planned_ids.add(participant.id)
        planned.append((index, participant))

    created: list[Participant] = []
    try:
        async with db.begin_nested():
            await repository.add_all(db, [p for _, p in planned])
        created = [p for _, p in planned]
    except IntegrityError as exc:
        if not _is_email_clash(exc):
            raise
        # A concurrent request took some of these emails: insert one by one.
        for index, first_try in planned:
            item = body.participants[index]
            participant = _build(workspace_id, item, template_of[index], first_try.id)
            clash = await _insert_one(db, participant)
            if clash is None:
                created.append(participant)
            else:
                skipped.append(Skipped(index, item.email, "already_exists", clash))
        skipped.sort(key=lambda s: s.index)
    for participant in created:
        await _record_created(db, participant)
    return BulkResult(created, skipped)


async def get(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    participant_id: uuid.UUID,
    *,
    for_update: bool = False,
    reader: Reader | None = None,
) -> Participant:
    """A participant of this workspace (and not of a template `reader` may not see), or
    NotFound("participant"); `for_update` also locks its row (FOR NO KEY UPDATE) until the
    transaction ends."""
    participant = await repository.get(db, workspace_id, participant_id, for_update=for_update)
    return await _seen(db, participant_id, participant, reader)


async def _seen(
    db: AsyncSession,
    participant_id: uuid.UUID,
    participant: Participant | None,
    reader: Reader | None,
) -> Participant:
    missing = NotFound("participant", id=participant_id)
    if participant is None:
        raise missing
    template_id = participant.evaluation_template_id
    await templates.ensure_visible(db, participant.workspace_id, template_id, reader, missing)
    return participant


async def get_many(
    db: AsyncSession, workspace_id: uuid.UUID, participant_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Participant]:
    """The participants of this workspace among these ids, in one query (unknown ids are
    left out)."""
    rows = await repository.by_ids(db, workspace_id, set(participant_ids))
    return {p.id: p for p in rows}


async def _get_for_update(
    db: AsyncSession, workspace_id: uuid.UUID, participant_id: uuid.UUID, reader: Reader | None
) -> Participant:
    participant = await repository.get(db, workspace_id, participant_id, for_update=True)
    return await _seen(db, participant_id, participant, reader)


async def update(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    participant_id: uuid.UUID,
    body: ParticipantUpdate,
    reader: Reader | None = None,
) -> Participant:
    participant = await _get_for_update(db, workspace_id, participant_id, reader)
    if participant.purged_at is not None:
        raise Conflict("this participant's data was erased", code="participant_purged")
    fields = body.model_fields_set
    if "evaluation_template_id" in fields:
        await _check_template(db, workspace_id, body.evaluation_template_id, reader)
    email = body.email if "email" in fields and body.email is not None else participant.email
    template_id = (
        body.evaluation_template_id
        if "evaluation_template_id" in fields
        else participant.evaluation_template_id
    )
    if (email.lower(), template_id) != (
        participant.email.lower(),
        participant.evaluation_template_id,
    ):
        existing = await repository.by_email(db, workspace_id, template_id, email)
        if existing is not None and existing.id != participant.id:
            raise _duplicate(existing.id)
    participant.email = email
    participant.evaluation_template_id = template_id
    for name in ("name", "external_id", "phone", "tags", "resume_url", "pipeline_id", "status"):
        if name in fields:
            setattr(participant, name, getattr(body, name))
    if body.profile is not None:
        participant.profile = body.profile.model_dump()
    if body.background is not None:
        participant.background = body.background.model_dump()
    if body.metadata is not None:
        participant.metadata_ = body.metadata
    try:
        async with db.begin_nested():
            await repository.save(db, participant)
    except IntegrityError as exc:
        if not _is_email_clash(exc):
            raise
        existing = await repository.by_email(db, workspace_id, template_id, email)
        if existing is None:
            raise
        raise _duplicate(existing.id) from None
    return participant


async def delete(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    participant_id: uuid.UUID,
    *,
    purge: bool,
    now: datetime,
    reader: Reader | None = None,
) -> Participant:
    """Archive (data kept), or with `purge` erase the personal data for a deletion request
    (`ParticipantErased`: every other domain erases its copies in this transaction, again on
    a repeated request). The row stays, so sessions and applications keep a valid
    `candidate_id`."""
    participant = await _get_for_update(db, workspace_id, participant_id, reader)
    address = participant.email
    participant.status = "archived"
    if purge and participant.purged_at is None:
        participant.name = ERASED_NAME
        participant.email = f"erased+{participant.id}@invalid.invalid"
        participant.phone = None
        participant.resume_url = None
        participant.external_id = None
        participant.profile = {}
        participant.background = {}
        participant.metadata_ = {}
        participant.tags = []
        participant.purged_at = now
    await repository.save(db, participant)
    if purge:
        await bus.publish(db, ParticipantErased(participant, address, now))
    return participant


async def list_page(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    page: PageRequest,
    *,
    template_id: uuid.UUID | None = None,
    email: str | None = None,
    external_id: str | None = None,
    status: str | None = None,
    tag: str | None = None,
    reader: Reader | None = None,
) -> Page[dict[str, Any]]:
    """This workspace's participants, newest first, without those of templates `reader`
    may not see."""
    rows = await repository.list_participants(
        db,
        workspace_id,
        hidden_template_ids=await templates.hidden_from(db, workspace_id, reader),
        limit=page.limit + 1,
        before=page.before,
        template_id=template_id,
        email=email,
        external_id=external_id,
        status=status,
        tag=tag,
    )
    result = page_from_rows(rows, page.limit, lambda p: p.id)
    return Page([participant_public(p) for p in result.items], result.has_more, result.next_cursor)
