"""The customer aggregate: profile, financial statements, credit events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from customer_api.models.base import Base, TimestampedMixin, func_now, new_id


class Customer(TimestampedMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'inactive')", name="status"),
        Index("ix_customers_name_id", "name", "id"),
        Index("ix_customers_created_at_id", "created_at", "id"),
        Index("ix_customers_score_key_id", text("coalesce(score, -1)"), "id"),
        Index("ix_customers_next_review_due", "next_review_due"),
        Index("ix_customers_related_group", "related_group"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    legal_representative_id_number: Mapped[str | None] = mapped_column(String(18))
    registered_capital: Mapped[Decimal | None]
    established_on: Mapped[date | None]
    industry_code: Mapped[str | None] = mapped_column(String(5))
    industry_section: Mapped[str | None] = mapped_column(String(1), index=True)
    main_business: Mapped[str | None] = mapped_column(Text)
    employees: Mapped[int | None] = mapped_column(Integer)
    region_code: Mapped[str | None] = mapped_column(String(6))
    cooperation_since: Mapped[date | None]
    related_group: Mapped[str | None] = mapped_column(String(200))
    # The company's own controlling shareholder, actual controller or their affiliates (DOMAIN §9).
    related_party: Mapped[bool] = mapped_column(default=False, server_default=false())
    contact: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    # The `sub` of the officer who owns the customer (DOMAIN §13); null while nobody does.
    account_manager: Mapped[str | None] = mapped_column(String(200), index=True)

    # Derived by rating and verification.
    size_class: Mapped[str | None] = mapped_column(String(10), index=True)
    customer_class: Mapped[str | None] = mapped_column(String(10), index=True)
    risk_tier: Mapped[str | None] = mapped_column(String(10), index=True)
    credit_grade: Mapped[str | None] = mapped_column(String(4))
    score: Mapped[Decimal | None] = mapped_column(nullable=True)
    rated_at: Mapped[datetime | None]
    model_version: Mapped[str | None] = mapped_column(String(40))
    last_verified_at: Mapped[datetime | None]
    next_review_due: Mapped[date | None]

    # 客户性质 and 市场地位 (docs/DOMAIN.md §15); the closed sets are the API's to enforce.
    ownership: Mapped[str | None] = mapped_column(String(12), index=True)
    market_position: Mapped[str | None] = mapped_column(String(10), index=True)

    version: Mapped[int] = mapped_column(Integer, default=1)


class FinancialStatement(Base):
    __tablename__ = "financial_statements"
    __table_args__ = (
        UniqueConstraint("customer_id", "period_end", "period_type"),
        CheckConstraint("period_type IN ('annual', 'quarterly')", name="period_type"),
        Index("ix_financial_statements_customer_period", "customer_id", "period_end"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    period_end: Mapped[date]
    period_type: Mapped[str] = mapped_column(String(10))
    audited: Mapped[bool] = mapped_column(default=False)
    total_assets: Mapped[Decimal]
    total_liabilities: Mapped[Decimal]
    equity: Mapped[Decimal]
    current_assets: Mapped[Decimal]
    current_liabilities: Mapped[Decimal]
    cash: Mapped[Decimal]
    revenue: Mapped[Decimal]
    net_profit: Mapped[Decimal]
    operating_cash_flow: Mapped[Decimal]
    operating_profit: Mapped[Decimal | None]
    interest_expense: Mapped[Decimal | None]
    inventory: Mapped[Decimal | None]
    receivables: Mapped[Decimal | None]
    retained_earnings: Mapped[Decimal | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())


class CreditEvent(Base):
    __tablename__ = "credit_events"
    __table_args__ = (Index("ix_credit_events_customer_occurred", "customer_id", "occurred_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    occurred_on: Mapped[date]
    amount: Mapped[Decimal | None]
    grade: Mapped[str | None] = mapped_column(String(4))
    agency: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(Text)
    resolved_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())
