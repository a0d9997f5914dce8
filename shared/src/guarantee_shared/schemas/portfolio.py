"""Portfolio figures: the contract between customer-api and its readers (alerting, reports).

customer-api serves them under ``/v1/portfolio``; alerting reads them through a typed client and
evaluates its rules on them. Definitions are docs/DOMAIN.md §8-§10. Money is CNY yuan as a 2-place
decimal string; ratios are JSON numbers rounded to 4 decimals, ``null`` where the denominator is
zero. Results ignore unknown fields so an older reader keeps working against a newer server.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from guarantee_shared.types import MoneyOut, Ratio


class GroupBy(StrEnum):
    NONE = "none"
    RISK_TIER = "risk_tier"
    CUSTOMER_CLASS = "customer_class"
    SIZE_CLASS = "size_class"
    INDUSTRY_SECTION = "industry_section"
    PRODUCT = "product"
    LENDER = "lender"
    CUSTOMER = "customer"


class Period(StrEnum):
    YTD = "ytd"
    TTM = "ttm"
    INCEPTION = "inception"


class SignalKind(StrEnum):
    CONTRACT_OVERDUE = "contract_overdue"
    ADVERSE_EVENT = "adverse_event"
    REVENUE_DROP = "revenue_drop"
    NEGATIVE_OPERATING_CASH_FLOW = "negative_operating_cash_flow"
    HIGH_DEBT_RATIO = "high_debt_ratio"
    REVIEW_OVERDUE = "review_overdue"
    COMPLAINT_BREACHED = "complaint_breached"
    TIER_DOWNGRADE = "tier_downgrade"
    INDUSTRY_WATCH = "industry_watch"
    FOLLOW_UP_OVERDUE = "follow_up_overdue"
    FINDING_OVERDUE = "finding_overdue"


class _Result(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class IndicatorGroup(_Result):
    """The indicators of one group (docs/DOMAIN.md §8).

    Stock figures (customers … overdue_rate) are the current state of contracts in force
    (status ``active`` or ``overdue``); flow figures (released … loss_rate) sum the ledger over
    the period ``[period_start, as_of]``; ``compensation_balance`` is cumulative up to ``as_of``.
    """

    key: str | None = Field(
        description="The group's value (a tier, a product, a customer id …); null for "
        "group_by=none and for customers not yet rated or classified"
    )
    name: str | None = Field(default=None, description="The customer's name for group_by=customer")
    customers: int = Field(description="Distinct customers with at least one contract in force")
    contracts: int = Field(description="Contracts in force (status active or overdue)")
    outstanding_balance: MoneyOut = Field(description="在保余额: Σ balance in force")
    guarantee_liability: MoneyOut = Field(description="担保责任金额: Σ balance × guarantee_ratio")
    collateral_value: MoneyOut = Field(
        description="Σ appraised_value × (1 − haircut) of the collateral of contracts in force"
    )
    coverage_ratio: Ratio = Field(description="collateral_value / guarantee_liability")
    overdue_amount: MoneyOut = Field(description="Σ overdue_amount of contracts in force")
    overdue_rate: Ratio = Field(
        description="在保逾期率: balance of contracts in status overdue / outstanding_balance"
    )
    released_amount: MoneyOut = Field(
        description="解保额: Σ principal of contracts that left force in the period"
    )
    compensated_amount: MoneyOut = Field(description="代偿额: compensation events in the period")
    compensation_rate: Ratio = Field(description="compensated_amount / released_amount")
    recovered_amount: MoneyOut = Field(description="追偿额: recovery events in the period")
    recovery_rate: Ratio = Field(
        description="recovered_amount / (compensation balance at period start + compensated_amount)"
    )
    compensation_balance: MoneyOut = Field(
        description="代偿余额 at as_of: Σ compensation − Σ recovery − Σ write_off, cumulative"
    )
    loss_amount: MoneyOut = Field(description="write_off events in the period")
    loss_rate: Ratio = Field(description="担保损失率: loss_amount / released_amount")


class IndicatorReport(_Result):
    as_of: date
    period: Period
    period_start: date | None = Field(description="First day of the period; null for inception")
    group_by: GroupBy
    groups: list[IndicatorGroup]
    next_cursor: str | None = Field(
        default=None, description="Only for group_by=customer: the next page's cursor"
    )


class Signal(_Result):
    """One customer-level warning signal (docs/DOMAIN.md §10)."""

    customer_id: uuid.UUID
    customer_name: str
    kind: SignalKind
    value: int | float | str | None = Field(
        description="contract_overdue, review_overdue: days overdue; adverse_event: the credit "
        "event kind; revenue_drop: revenue growth (e.g. -0.35); high_debt_ratio: the debt "
        "ratio; negative_operating_cash_flow: the operating cash flow as a money string; "
        "industry_watch: the watch-list level; follow_up_overdue: days past follow_up_on; "
        "finding_overdue: days past the finding's due_on"
    )
    grade: str | None = Field(
        default=None, description="adverse_event of kind tax_credit_grade or external_rating"
    )
    observed_at: date
    source_id: uuid.UUID = Field(
        description="The record the signal comes from (contract, credit event, statement or "
        "customer); with customer_id and kind it identifies the signal"
    )
    detail: str | None = None


class SignalPage(_Result):
    items: list[Signal]
    next_cursor: str | None


class WeightBucket(_Result):
    weight: Ratio = Field(description="0.75, 0.80 or 1.00")
    liability: MoneyOut = Field(description="Financing guarantee liability carrying this weight")
    weighted_liability: MoneyOut


class CustomerConcentration(_Result):
    customer_id: uuid.UUID
    name: str
    liability: MoneyOut = Field(description="Financing guarantee liability to this customer")
    share: Ratio = Field(description="liability / net assets")
    limit: Ratio
    within_limit: bool


class GroupConcentration(_Result):
    name: str = Field(
        description="The related group, or the customer's name for a customer in no group"
    )
    related_group: str | None = Field(description="null when the customer is in no group")
    customers: int
    liability: MoneyOut = Field(description="Financing guarantee liability to the group")
    share: Ratio = Field(description="liability / net assets")
    limit: Ratio
    within_limit: bool


class ReserveLines(_Result):
    """The reserves (准备金) the rules require for a year against those finance reported
    (docs/DOMAIN.md §16); the current year is measured to date."""

    year: int
    unearned_premium_reserve_required: MoneyOut = Field(
        description="未到期责任准备金: the configured share (50 %) of the year's fee income"
    )
    compensation_reserve_required: MoneyOut = Field(
        description="担保赔偿准备金 to add for the year: 1 % of the year-end guarantee liability, "
        "or only the difference up to the 10 % cap on the accumulated reserve"
    )
    compensation_reserve_accumulated: MoneyOut = Field(
        description="The compensation reserve required in total up to the year's end"
    )
    unearned_premium_reserve_reported: MoneyOut | None = Field(
        description="As finance reported it for the year; null when nothing was reported"
    )
    compensation_reserve_reported: MoneyOut | None
    shortfall: MoneyOut = Field(
        description="Σ over the two reserves of max(0, required − reported); a reserve not "
        "reported counts as zero"
    )


class RegulatoryFigures(_Result):
    """Leverage and concentration against the limits of docs/DOMAIN.md §9 (条例 arts. 15-17)."""

    as_of: date
    net_assets: MoneyOut
    guarantee_investments: MoneyOut = Field(description="Investments in other guarantors")
    financing_liability: MoneyOut = Field(
        description="Guarantee liability of financing guarantees in force, unweighted"
    )
    weighted_liability: MoneyOut = Field(description="融资担保责任余额, weighted")
    weights: list[WeightBucket]
    leverage: Ratio = Field(
        description="weighted_liability / (net_assets − guarantee_investments); null when that "
        "base is not positive"
    )
    leverage_cap: int = Field(description="10, or 15 when the small/micro conditions hold")
    leverage_within_cap: bool | None
    financing_balance: MoneyOut = Field(description="Balance of financing guarantees in force")
    small_micro_balance_share: Ratio
    small_micro_customer_share: Ratio
    largest_customer: CustomerConcentration | None
    largest_group: GroupConcentration | None
    top_customers: list[CustomerConcentration] = Field(description="Up to 10, largest first")
    top_groups: list[GroupConcentration] = Field(description="Up to 10, largest first")
    reserves: ReserveLines | None = Field(
        default=None, description="The current year's reserve lines (docs/DOMAIN.md §16)"
    )


__all__ = [
    "CustomerConcentration",
    "GroupBy",
    "GroupConcentration",
    "IndicatorGroup",
    "IndicatorReport",
    "Period",
    "RegulatoryFigures",
    "ReserveLines",
    "Signal",
    "SignalKind",
    "SignalPage",
    "WeightBucket",
]
