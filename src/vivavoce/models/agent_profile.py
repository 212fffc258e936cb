from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import JSON, Base, IdMixin, TimestampMixin, WorkspaceMixin


class AgentProfile(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __tablename__ = "agent_profiles"

    name: Mapped[str] = mapped_column(String(200))
    persona: Mapped[str] = mapped_column(Text)
    use_case: Mapped[str] = mapped_column(String(32))
    evaluation_dimensions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    interaction: Mapped[dict[str, Any]] = mapped_column(JSON)
    scoring: Mapped[dict[str, Any]] = mapped_column(JSON)
    output: Mapped[dict[str, Any]] = mapped_column(JSON)
    additional_instructions: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    forked_from_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
