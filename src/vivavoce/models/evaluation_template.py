from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, IdMixin, TimestampMixin, WorkspaceMixin


class EvaluationTemplate(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __tablename__ = "evaluation_templates"

    template_name: Mapped[str] = mapped_column(String(200))
    use_case: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    objective: Mapped[str | None] = mapped_column(Text)
    success_outcome: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    industry: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(100))
    requirements: Mapped[str | None] = mapped_column(Text)
    skills: Mapped[list[str]] = mapped_column(JSON)
    soft_skills: Mapped[list[str]] = mapped_column(JSON)
    ai_context: Mapped[str | None] = mapped_column(Text)
    default_duration_minutes: Mapped[int] = mapped_column(Integer)
    default_difficulty: Mapped[str] = mapped_column(String(16))
    session_format: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(32), default="live_ai_interview")
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    visibility: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(35))
    apply: Mapped[dict[str, Any]] = mapped_column(JSON)
    branding: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the origins whose pages may embed the template's interviews (docs/embed.md)
    embed_origins: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default=text("'[]'::jsonb")
    )
