from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, IdMixin, WorkspaceMixin


class CodeExecution(IdMixin, WorkspaceMixin, Base):
    """One run of candidate code against tests, kept: queued by the API or the room, run by
    a worker in the sandbox, its per-test results and capped output written back."""

    __tablename__ = "code_executions"
    __table_args__ = (Index("ix_code_executions_session", "session_id", "id"),)

    session_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("sessions.id", ondelete="CASCADE")
    )
    problem_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("coding_problems.id", ondelete="SET NULL")
    )
    mode: Mapped[str] = mapped_column(String(16))  # run (visible tests) | submit (all) | tests
    language: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    entry: Mapped[str] = mapped_column(String(64))
    tests: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # what runs, hidden ones flagged
    limits: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # queued | running | completed | failed
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    stdout: Mapped[str | None] = mapped_column(Text)
    stderr: Mapped[str | None] = mapped_column(Text)
    output_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    passed: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    hidden_passed: Mapped[int | None] = mapped_column(Integer)
    hidden_total: Mapped[int] = mapped_column(Integer, default=0)
    wall_ms: Mapped[float | None] = mapped_column(Float)
    cpu_ms: Mapped[float | None] = mapped_column(Float)
    max_memory_kb: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
