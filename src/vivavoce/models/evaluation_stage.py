from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, IdMixin, TimestampMixin, WorkspaceMixin


class EvaluationStage(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __tablename__ = "evaluation_stages"
    # `type` is a label like "Final Round": unique per template ignoring case.
    __table_args__ = (
        Index("uq_stage_type", "evaluation_template_id", text("lower(type)"), unique=True),
    )

    evaluation_template_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("evaluation_templates.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(64))
    stage_name: Mapped[str | None] = mapped_column(String(200))
    stage_type: Mapped[str] = mapped_column(String(32))
    agent_profile_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("agent_profiles.id", ondelete="SET NULL")
    )
    stage_order: Mapped[int] = mapped_column(Integer)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    difficulty: Mapped[str | None] = mapped_column(String(16))
    pass_threshold: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    allow_retake: Mapped[bool] = mapped_column(Boolean, default=False)
    automation_rule: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # what only some stage types use (docs/adr/0012-stage-modes.md): `assessment` for an
    # async_assessment (prep and answer times, retakes)
    mode_settings: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'::jsonb")
    )
