"""Risk accounting: the reserve balances finance reports, year by year."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from customer_api.models.base import Base, TimestampedMixin, new_id


class ReserveBalance(TimestampedMixin, Base):
    """The reserves (准备金) on the company's books at a year's end, as finance reports them;
    reported again for the same year, the figures are replaced (and the change audited)."""

    __tablename__ = "reserve_balances"
    __table_args__ = (
        CheckConstraint(
            "unearned_premium_reserve >= 0 AND compensation_reserve >= 0", name="not_negative"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    unearned_premium_reserve: Mapped[Decimal]
    compensation_reserve: Mapped[Decimal]
    reported_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
