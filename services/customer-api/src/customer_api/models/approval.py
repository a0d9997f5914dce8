"""Four-eyes approvals: one person asks, another decides (DOMAIN §14)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from customer_api.models.base import Base, func_now, new_id


class Approval(Base):
    """A request and its one final decision; the status is derived, never stored."""

    __tablename__ = "approvals"
    __table_args__ = (
        CheckConstraint("kind IN ('policy_override', 'rating_override')", name="kind"),
        CheckConstraint("decision IN ('approve', 'reject')", name="decision"),
        Index("ix_approvals_requested", "requested_at", "id"),
        Index("ix_approvals_subject", "subject_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    # A contract (policy_override) or a customer (rating_override); no foreign key for either.
    subject_id: Mapped[uuid.UUID]
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(server_default=func_now())
    expires_at: Mapped[datetime]
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    consumed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
