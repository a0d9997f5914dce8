"""Risk accounting: the reserve balances finance reports, year by year, and stress tests run."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from customer_api.models.base import Base, TimestampedMixin, func_now, new_id


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


class StressTest(Base):
    """A stress test as it was run: its inputs (the shocks resolved from a preset, the net
    assets, reserves and parameters of the day) and its answer, so it can be read back as it was
    even after the book has moved on."""

    __tablename__ = "stress_tests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    preset: Mapped[str | None] = mapped_column(String(40))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())
