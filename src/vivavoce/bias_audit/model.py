"""The `self_identifications` table. It lives here, not in `vivavoce.models`, so that code
importing the models (the scorer, the interviewer, the reviewers' pages) never has it at
hand; migrations/env.py imports it for the metadata."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import Base, IdMixin, WorkspaceMixin


class SelfIdentification(IdMixin, WorkspaceMixin, Base):
    """A candidate's voluntary answers. Either waiting for its apply request's email code
    (`apply_request_id`, deleted with the request) or settled on the participant
    (`participant_id`, one row each, deleted when they are purged)."""

    __tablename__ = "self_identifications"

    participant_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("participants.id", ondelete="CASCADE"), unique=True
    )
    apply_request_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("apply_requests.id", ondelete="CASCADE"), unique=True
    )
    sex: Mapped[str | None] = mapped_column(String(32))
    race_ethnicity: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # "apply_page" | "join_page"
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
