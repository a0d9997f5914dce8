"""The industry watch-list: GB/T 4754 code prefixes the company watches, restricts or refuses."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from customer_api.models.base import Base, TimestampedMixin, new_id


class IndustryWatch(TimestampedMixin, Base):
    __tablename__ = "industry_watch"
    __table_args__ = (
        CheckConstraint("level IN ('watch', 'restricted', 'prohibited')", name="level"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # One entry per prefix: a change of level is a PATCH, so "the longest prefix in effect"
    # never has to choose between two entries of the same prefix.
    industry_prefix: Mapped[str] = mapped_column(String(5), unique=True)
    level: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[date]
    version: Mapped[int] = mapped_column(Integer, default=1)
