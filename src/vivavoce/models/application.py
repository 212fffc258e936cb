from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from vivavoce.models.base import Base, IdMixin, TimestampMixin, WorkspaceMixin


class Application(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """`template_applications`: one participant applying to one template."""

    __tablename__ = "template_applications"
    __table_args__ = (
        UniqueConstraint("evaluation_template_id", "candidate_id", name="uq_application_pair"),
    )

    evaluation_template_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("evaluation_templates.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(16))
    approval_status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    consent_text: Mapped[str | None] = mapped_column(Text)
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the hiring team's final decision (a `final_review` stage), recorded once; it closes
    # the application
    final_decision: Mapped[str | None] = mapped_column(String(32))
    final_reason: Mapped[str | None] = mapped_column(Text)
    final_decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    final_decided_by: Mapped[str | None] = mapped_column(String(320))
