"""Customer interactions (走访, calls, meetings, messages) and the follow-ups they promise."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from customer_api.models.base import Base, func_now, new_id


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint("kind IN ('visit', 'call', 'meeting', 'message')", name="kind"),
        Index("ix_interactions_customer_occurred", "customer_id", "occurred_on", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    occurred_on: Mapped[date]
    by: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    needs: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    follow_up_on: Mapped[date | None]
    actor: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())
