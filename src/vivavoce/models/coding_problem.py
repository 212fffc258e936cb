from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, IdMixin, TimestampMixin, WorkspaceMixin


class CodingProblem(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """One problem of a stage's pool: statement, starter code per language, the entry
    function, visible and hidden tests (`[{name, args, expected}]`), limits, languages."""

    __tablename__ = "coding_problems"
    __table_args__ = (Index("ix_coding_problems_stage", "evaluation_stage_id", "id"),)

    evaluation_stage_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("evaluation_stages.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text)
    entry: Mapped[str] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(JSON)
    starter_code: Mapped[dict[str, str]] = mapped_column(JSON)
    visible_tests: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    hidden_tests: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    limits: Mapped[dict[str, Any]] = mapped_column(JSON)
