from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, IdMixin, TimestampMixin, WorkspaceMixin


class Participant(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __tablename__ = "participants"
    __table_args__ = (
        Index(
            "uq_participant_email",
            "workspace_id",
            "evaluation_template_id",
            text("lower(email)"),
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        Index("ix_participants_external_id", "workspace_id", "external_id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    evaluation_template_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("evaluation_templates.id", ondelete="SET NULL")
    )
    external_id: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(JSON)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    background: Mapped[dict[str, Any]] = mapped_column(JSON)
    resume_url: Mapped[str | None] = mapped_column(Text)
    pipeline_id: Mapped[str | None] = mapped_column(String(255))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    status: Mapped[str] = mapped_column(String(16))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
