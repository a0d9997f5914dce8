"""Guarantee contracts, their ledger events and collateral at the HTTP boundary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    computed_field,
    field_validator,
)

from guarantee_shared.text import Code, Name, Note
from guarantee_shared.types import (
    Date,
    Money,
    MoneyOut,
    PositiveMoney,
    PositiveUnitRatio,
    UnitRatio,
)


class Product(StrEnum):
    loan = "loan"
    bill_acceptance = "bill_acceptance"
    trade_finance = "trade_finance"
    bond = "bond"
    bid_bond = "bid_bond"
    performance_bond = "performance_bond"
    litigation_preservation = "litigation_preservation"
    other = "other"


class ContractStatus(StrEnum):
    pending = "pending"
    active = "active"
    overdue = "overdue"
    compensated = "compensated"
    repaid = "repaid"
    closed = "closed"
    written_off = "written_off"


class EventType(StrEnum):
    activate = "activate"
    repayment = "repayment"
    overdue = "overdue"
    cure = "cure"
    compensation = "compensation"
    recovery = "recovery"
    write_off = "write_off"
    close = "close"


# Events that move money carry an amount; cure and close only change the status.
AMOUNT_EVENTS = frozenset(EventType) - {EventType.cure, EventType.close}


class CollateralKind(StrEnum):
    real_estate = "real_estate"
    equipment = "equipment"
    receivables = "receivables"
    equity_pledge = "equity_pledge"
    deposit = "deposit"
    personal_guarantee = "personal_guarantee"
    corporate_guarantee = "corporate_guarantee"
    other = "other"


# A stored, client-given ratio echoed back exactly (not a computed ratio, so not rounded).
RatioOut = Annotated[
    Decimal,
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1}),
]


class ContractCreate(BaseModel):
    """The fields a client writes when opening a contract."""

    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    contract_no: Code = Field(description="Unique across all contracts")
    lender: Name
    product: Product
    principal: PositiveMoney
    # The default is the number 1, validated into a Decimal: the OpenAPI document shows a
    # Decimal default as the string "1", which a number field must not have.
    guarantee_ratio: PositiveUnitRatio = Field(
        default=1,
        validate_default=True,
        description="Share of a loss the company bears, 0 < r <= 1",
    )
    purpose: Note | None = None
    start_date: Date
    maturity_date: Date = Field(description="After start_date")
    fee_rate: UnitRatio | None = None

    @field_validator("maturity_date")
    @classmethod
    def _after_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("start_date")
        if start is not None and value <= start:
            raise ValueError(f"maturity_date must be after start_date {start.isoformat()}")
        return value


class ContractOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    contract_no: str
    lender: str
    product: Product
    principal: MoneyOut
    guarantee_ratio: RatioOut
    purpose: str | None
    start_date: date
    maturity_date: date
    fee_rate: RatioOut | None
    status: ContractStatus
    outstanding_balance: MoneyOut
    overdue_amount: MoneyOut
    overdue_since: date | None
    compensated_amount: MoneyOut
    recovered_amount: MoneyOut
    loss_amount: MoneyOut
    activated_on: date | None
    released_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field(
        description="Compensation not yet recovered or written off (代偿余额)",
        return_type=MoneyOut,
    )
    def compensation_balance(self) -> Decimal:
        return self.compensated_amount - self.recovered_amount - self.loss_amount


class EventIn(BaseModel):
    """One ledger event. ``amount`` is required (> 0) except for cure and close, which take none."""

    model_config = ConfigDict(extra="forbid")

    type: EventType
    amount: Money | None = Field(default=None, validate_default=True)
    occurred_on: Date = Field(description="Not before the contract's last event")
    note: Note | None = None
    approval_id: uuid.UUID | None = Field(
        default=None,
        description="activate only: an approved policy_override for this contract, used up by "
        "this activation when the policy would refuse it",
    )

    @field_validator("approval_id")
    @classmethod
    def _approval_on_activate(
        cls, value: uuid.UUID | None, info: ValidationInfo
    ) -> uuid.UUID | None:
        kind = info.data.get("type")
        if value is not None and kind is not None and kind != EventType.activate:
            raise ValueError("only an activate event takes an approval_id")
        return value

    @field_validator("amount")
    @classmethod
    def _amount_matches_type(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        kind = info.data.get("type")
        if kind is None:  # the type itself is invalid and reported on its own
            return value
        if kind in AMOUNT_EVENTS and (value is None or value <= 0):
            raise ValueError(f"a {kind} event needs an amount greater than 0")
        if kind not in AMOUNT_EVENTS and value is not None:
            raise ValueError(f"a {kind} event takes no amount")
        return value


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    contract_id: uuid.UUID
    seq: int = Field(description="Position in the contract's ledger, from 1")
    type: EventType
    amount: MoneyOut | None
    occurred_on: date
    note: str | None
    status_after: ContractStatus
    balance_after: MoneyOut
    actor: str
    created_at: datetime


class EventResult(BaseModel):
    event: EventOut
    contract: ContractOut


class CollateralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: CollateralKind
    appraised_value: Money
    haircut: UnitRatio | None = Field(
        default=None, description="0-1; the configured default for the kind when omitted"
    )
    appraised_on: Date | None = None
    description: Note | None = None


class CollateralOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    contract_id: uuid.UUID
    kind: CollateralKind
    appraised_value: MoneyOut
    haircut: RatioOut
    appraised_on: date | None
    description: str | None
    version: int
    created_at: datetime

    @computed_field(description="appraised_value x (1 - haircut)", return_type=MoneyOut)
    def net_value(self) -> Decimal:
        return self.appraised_value * (1 - self.haircut)


__all__ = [
    "AMOUNT_EVENTS",
    "CollateralIn",
    "CollateralKind",
    "CollateralOut",
    "ContractCreate",
    "ContractOut",
    "ContractStatus",
    "EventIn",
    "EventOut",
    "EventResult",
    "EventType",
    "Product",
]
