from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, IdMixin, TimestampMixin, WorkspaceMixin


class InterviewSession(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """One AI conversation with one participant for one stage."""

    __tablename__ = "sessions"
    # Server defaults (timestamps, scorecard_version) come back in the INSERT's RETURNING.
    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        Index(
            "uq_sessions_idempotency_key",
            "workspace_id",
            "idempotency_key",
            unique=True,
            postgresql_where="idempotency_key IS NOT NULL",
        ),
        Index("ix_sessions_candidate_stage", "candidate_id", "evaluation_stage_id"),
        Index("ix_sessions_workspace_status", "workspace_id", "status"),
        Index("ix_sessions_external_id", "workspace_id", "external_id"),
    )

    evaluation_template_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("evaluation_templates.id", ondelete="CASCADE"), index=True
    )
    evaluation_stage_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("evaluation_stages.id", ondelete="CASCADE")
    )
    stage: Mapped[str] = mapped_column(String(64))
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("participants.id", ondelete="CASCADE")
    )
    application_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("template_applications.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(255))
    join_token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(35))
    notes: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    score: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    passed: Mapped[bool | None] = mapped_column(Boolean)
    recommendation: Mapped[str | None] = mapped_column(String(32))
    ai_feedback: Mapped[str | None] = mapped_column(Text)
    evaluation_breakdown: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    needs_human_review: Mapped[bool] = mapped_column(Boolean, default=False)
    authenticity_signals: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    recording_key: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # who wrote the scorecard: "offline" or "llm", the model, and the rubric it applied
    scorer: Mapped[str | None] = mapped_column(String(32))
    scorer_model: Mapped[str | None] = mapped_column(String(200))
    rubric_version: Mapped[str | None] = mapped_column(String(200))
    review_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    # the scorecard as the AI wrote it (kept when a reviewer changes it), the number of
    # reviews since, and the latest one: "confirmed" | "adjusted" (null: none)
    ai_scorecard: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    scorecard_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    review_status: Mapped[str | None] = mapped_column(String(16))
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # the live room: which connection holds the interview and when it was last heard from
    live_connection_id: Mapped[str | None] = mapped_column(String(32))
    live_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
