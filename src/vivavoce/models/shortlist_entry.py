from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import Base, IdMixin, WorkspaceMixin


class ShortlistEntry(IdMixin, WorkspaceMixin, Base):
    """A participant a reviewer shortlisted on a template (one row per pair), and by whom."""

    __tablename__ = "shortlist_entries"
    __table_args__ = (
        UniqueConstraint(
            "evaluation_template_id", "candidate_id", name="uq_shortlist_template_candidate"
        ),
    )

    evaluation_template_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("evaluation_templates.id", ondelete="CASCADE")
    )
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("participants.id", ondelete="CASCADE")
    )
    added_by_kind: Mapped[str] = mapped_column(String(16))  # "user" | "api_key"
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    added_by_label: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
