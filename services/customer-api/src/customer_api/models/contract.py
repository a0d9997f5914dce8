"""The contract aggregate: guarantee contract, its event ledger, its collateral."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from customer_api.models.base import RATIO, Base, TimestampedMixin, func_now, new_id

CONTRACT_STATUSES = (
    "pending",
    "active",
    "overdue",
    "compensated",
    "repaid",
    "closed",
    "written_off",
)


class Contract(TimestampedMixin, Base):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("maturity_date > start_date", name="maturity_after_start"),
        CheckConstraint("guarantee_ratio > 0 AND guarantee_ratio <= 1", name="guarantee_ratio"),
        CheckConstraint("outstanding_balance >= 0", name="balance_not_negative"),
        CheckConstraint(
            "overdue_amount >= 0 AND overdue_amount <= outstanding_balance", name="overdue"
        ),
        CheckConstraint(
            "recovered_amount + loss_amount <= compensated_amount", name="compensation_bound"
        ),
        Index("ix_contracts_customer_id_id", "customer_id", "id"),
        Index("ix_contracts_status_id", "status", "id"),
        Index("ix_contracts_released_on", "released_on"),
        Index("ix_contracts_maturity_date", "maturity_date"),
        Index("ix_contracts_lender", "lender"),
        # Stock indicators read only contracts in force: keep that slice small and covered.
        Index(
            "ix_contracts_in_force",
            "customer_id",
            postgresql_where=text("status IN ('active', 'overdue')"),
            postgresql_include=["outstanding_balance", "guarantee_ratio", "status", "product"],
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    contract_no: Mapped[str] = mapped_column(String(64), unique=True)
    lender: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(String(30), index=True)
    principal: Mapped[Decimal]
    guarantee_ratio: Mapped[Decimal] = mapped_column(RATIO, default=Decimal(1))
    purpose: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date]
    maturity_date: Mapped[date]
    fee_rate: Mapped[Decimal | None] = mapped_column(RATIO)

    status: Mapped[str] = mapped_column(String(12), default="pending")
    outstanding_balance: Mapped[Decimal] = mapped_column(default=Decimal(0))
    overdue_amount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    overdue_since: Mapped[date | None]
    compensated_amount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    recovered_amount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    loss_amount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    activated_on: Mapped[date | None]
    # The day the contract left force (repaid to zero, or compensated): released amount = principal.
    released_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class ContractEvent(Base):
    __tablename__ = "contract_events"
    __table_args__ = (
        UniqueConstraint("contract_id", "seq"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        # Period flows (compensated, recovered, written off in a period) scan by type and date.
        Index(
            "ix_contract_events_type_occurred",
            "type",
            "occurred_on",
            postgresql_include=["contract_id", "amount"],
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal | None]
    occurred_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(Text)
    status_after: Mapped[str] = mapped_column(String(12))
    balance_after: Mapped[Decimal]
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())


class Collateral(Base):
    __tablename__ = "collaterals"
    __table_args__ = (
        CheckConstraint("haircut >= 0 AND haircut <= 1", name="haircut"),
        Index("ix_collaterals_contract_id_id", "contract_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"))
    kind: Mapped[str] = mapped_column(String(30))
    appraised_value: Mapped[Decimal]
    haircut: Mapped[Decimal] = mapped_column(RATIO)
    appraised_on: Mapped[date | None]
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())
