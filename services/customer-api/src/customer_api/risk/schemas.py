"""Expected loss, reserves and stress tests at the HTTP boundary (docs/DOMAIN.md §16).

Only customer-api serves these, so they live here rather than in guarantee_shared.schemas.
Money is a 2-place string, ratios are numbers rounded to 4 places (``Ratio``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from guarantee_shared.schemas.portfolio import GroupBy
from guarantee_shared.types import Money, MoneyOut, Ratio

# Years the figures can be asked for or reported: the ledger's dates are bounded the same way.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ExpectedLossGroup(_Out):
    key: str | None = Field(
        description="The group's value; null for group_by=none and for customers not yet "
        "rated or classified"
    )
    name: str | None = Field(default=None, description="The customer's name for group_by=customer")
    customers: int = Field(description="Distinct customers with exposure in the group")
    ead: MoneyOut = Field(
        description="Exposure at default: guarantee liability in force plus the compensation "
        "balance of compensated contracts"
    )
    pd: Ratio = Field(description="Exposure-weighted PD; null when ead is zero")
    lgd: Ratio = Field(
        description="LGD weighted by expected default (PD × EAD), so that expected_loss = "
        "pd × lgd × ead; null when nothing is expected to default"
    )
    expected_loss: MoneyOut = Field(description="Σ PD × LGD × EAD")
    unrated_ead: MoneyOut = Field(
        description="EAD in force of customers without a rating, counted with the default PD"
    )


class ExpectedLossReport(_Out):
    as_of: date
    group_by: GroupBy
    default_pd: Ratio = Field(description="PD used for customers without a rating")
    lgd_floor: Ratio = Field(description="The least LGD of a customer")
    groups: list[ExpectedLossGroup]
    next_cursor: str | None = Field(
        default=None, description="Only for group_by=customer: the next page's cursor"
    )


class ReserveBalanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=EARLIEST_YEAR, le=LATEST_YEAR, description="The year-end reported")
    unearned_premium_reserve: Money = Field(description="未到期责任准备金 on the books")
    compensation_reserve: Money = Field(description="担保赔偿准备金 on the books (accumulated)")


class ReserveBalanceOut(_Out):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: uuid.UUID
    year: int
    unearned_premium_reserve: MoneyOut
    compensation_reserve: MoneyOut
    reported_by: str
    version: int
    created_at: datetime
    updated_at: datetime


class ReserveReport(_Out):
    """A year's fee income and reserves against what finance reported (docs/DOMAIN.md §16)."""

    year: int
    as_at: date = Field(
        description="The day the year's figures are measured at: 31 December, or today for the "
        "current year"
    )
    fee_income: MoneyOut = Field(
        description="Σ principal × fee_rate × days in force in the year / 365"
    )
    contracts_without_fee_rate: int = Field(
        description="Contracts in force during the year with no fee_rate (counted as no fee)"
    )
    guarantee_liability: MoneyOut = Field(description="Guarantee liability in force at as_at")
    unearned_premium_reserve_required: MoneyOut
    compensation_reserve_required: MoneyOut = Field(
        description="The compensation reserve to add for the year"
    )
    compensation_reserve_accumulated: MoneyOut = Field(
        description="The compensation reserve required in total at the year's end"
    )
    reported_balances: ReserveBalanceOut | None = Field(
        description="What finance reported for the year; null when nothing was"
    )
    shortfall: MoneyOut = Field(
        description="Σ over the two reserves of max(0, required − reported)"
    )
    expected_loss: MoneyOut = Field(description="Expected loss of the book as it stands")
    el_to_reserves: Ratio = Field(
        description="expected_loss / reported reserves (both lines); null when none reported"
    )
