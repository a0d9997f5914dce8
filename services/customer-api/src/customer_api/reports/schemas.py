"""The customer review report (客户梳理报告): one model per section, definitions in the fields.

Money is a 2-place decimal string and ratios 4-place numbers (``null`` where the denominator is
zero), as everywhere in the API. The report names customers (company names) but never a
person's identity number or contact details.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from customer_api.ratings.schemas import BacktestOut
from guarantee_shared.schemas.portfolio import (
    CustomerConcentration,
    GroupConcentration,
    IndicatorGroup,
    Period,
    RegulatoryFigures,
)
from guarantee_shared.types import MoneyOut, Ratio


class ReportFormat(StrEnum):
    JSON = "json"
    XLSX = "xlsx"
    HTML = "html"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True)


class Totals(_Section):
    customers: int = Field(description="Every customer on record, active or not")
    active_customers: int
    rated_customers: int = Field(description="Active customers with a risk tier")
    customers_in_force: int = Field(description="Active customers with a contract in force")
    book: IndicatorGroup = Field(
        description="Book-level indicators (GET /v1/portfolio/indicators, group_by=none, "
        "period ttm to as_of)"
    )


class Bucket(_Section):
    key: str = Field(description="The value; `unrated` where rating has not set it yet")
    label: str = Field(description="A readable name (Chinese), e.g. the industry section's")
    customers: int = Field(description="Active customers")
    guarantee_liability: MoneyOut = Field(description="Σ balance × guarantee_ratio in force")


class ClassTierCell(_Section):
    customer_class: str = Field(description="premium, general, high_risk or unrated")
    risk_tier: str = Field(description="low, medium, high or unrated")
    customers: int = Field(description="Active customers")
    guarantee_liability: MoneyOut


class Distribution(_Section):
    """Active customers by their current classification."""

    class_by_tier: list[ClassTierCell] = Field(description="Non-empty cells of class × tier")
    by_size: list[Bucket] = Field(description="By size_class (2017 standard)")
    by_industry_section: list[Bucket] = Field(
        description="By GB/T 4754 section; `unknown` without an industry code"
    )
    by_ownership: list[Bucket] = Field(
        description="By ownership (客户性质); `unknown` where not recorded"
    )
    by_market_position: list[Bucket] = Field(
        description="By market_position (市场地位); `unknown` where not recorded",
    )


class Largest(_Section):
    """The regulatory concentration lists, largest first, up to `top` each."""

    customers: list[CustomerConcentration] = Field(
        description="By financing guarantee liability in force, with its share of net assets "
        "against the 10 % single-customer limit"
    )
    groups: list[GroupConcentration] = Field(
        description="Related groups (a customer in no group is its own) against the 15 % limit"
    )


class Reason(_Section):
    code: str
    factor: str
    points: int
    message: str


class HighRiskCustomer(_Section):
    customer_id: uuid.UUID
    name: str
    risk_tier: str | None
    customer_class: str | None
    credit_grade: str | None
    score: int | None
    rated_at: datetime | None
    guarantee_liability: MoneyOut = Field(description="In force now")
    reasons: list[Reason] = Field(description="The latest rating's reasons, largest effect first")
    knockouts: list[str] = Field(description="Knock-outs of the latest rating (docs/DOMAIN.md §3)")
    strategy: str | None = Field(description="The service strategy the latest rating gave")


class HighRisk(_Section):
    """Active customers whose current risk tier is high or class is high_risk."""

    count: int
    customers: list[HighRiskCustomer] = Field(
        description="Largest guarantee liability first (at most 1000); reasons and strategy "
        "from the customer's latest rating in the history, empty or null without one"
    )


class ReviewDue(_Section):
    customer_id: uuid.UUID
    name: str
    risk_tier: str | None
    next_review_due: date
    last_verified_at: datetime | None
    overdue: bool = Field(description="next_review_due before as_of")
    days_overdue: int = Field(description="as_of − next_review_due, 0 when not yet due")


class ReviewsDue(_Section):
    """Active customers whose next review is due on or before as_of + 30 days."""

    horizon: date = Field(description="as_of + 30 days")
    due: int = Field(description="Due by the horizon, overdue included")
    overdue: int = Field(description="next_review_due before as_of")
    unscheduled: int = Field(description="Active customers without a next_review_due")
    customers: list[ReviewDue] = Field(description="Earliest due first (at most 1000)")


class FactPresence(_Section):
    fact: str
    present: int
    share: Ratio = Field(description="present / active customers")


class DataCompleteness(_Section):
    """Completeness of the customer base (plan §1.1), over active customers."""

    customers: int = Field(description="Active customers")
    facts: list[FactPresence] = Field(
        description="Each required fact: name, credit_code, legal_representative, "
        "registered_capital, established_on, industry_code, main_business, employees "
        "(text facts count when not blank)"
    )
    current_statement: FactPresence = Field(
        description="A financial statement (annual or quarterly) with period_end within the "
        "15 months up to as_of: the last completed fiscal year's annual statement always is"
    )
    complete_profiles: int = Field(description="Every required fact present")
    complete: int = Field(description="Every required fact and a current statement")
    complete_share: Ratio = Field(description="complete / customers")


class TierOutcome(_Section):
    risk_tier: str = Field(description="The tier of the cohort rating; `unrated` without one")
    customers: int = Field(description="Customers with that tier at the cohort date")
    compensated: int = Field(description="Of them, compensated in the 12 months after")
    compensation_rate: Ratio = Field(description="compensated / customers")


class GradingAccuracy(_Section):
    """Did the grading see the compensations coming? A one-year static pool.

    The cohort is each customer's latest rating made (rated_at, China date) on or before
    cohort_date = as_of − 12 months; the outcome is a compensation event on any of the
    customer's contracts in (cohort_date, as_of]. A good grading shows compensation rates
    ordered low ≤ medium ≤ high.
    """

    cohort_date: date
    rated_customers: int = Field(description="Customers in the cohort")
    compensated_customers: int = Field(
        description="Customers compensated in the window, cohort rating or not"
    )
    by_tier: list[TierOutcome] = Field(description="low, medium, high, then unrated")
    captured: int = Field(description="Compensated customers rated medium or high at cohort date")
    captured_share: Ratio = Field(
        description="captured / compensated customers that had a cohort rating"
    )
    monotone: bool | None = Field(
        description="Rates ordered low ≤ medium ≤ high over the tiers with customers; null "
        "without a compensation in the cohort or fewer than two tiers"
    )


class AlertsStatus(StrEnum):
    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"


class Compensation(_Section):
    customer_id: uuid.UUID
    name: str
    occurred_on: date
    amount: MoneyOut
    warned_by: list[str] = Field(
        description="Sources that preceded it: contract_overdue, adverse_event, tier_downgrade, "
        "alert"
    )
    lead_days: int | None = Field(description="Days from the first warning to the compensation")


class WarningEffectiveness(_Section):
    """Compensations in (as_of − 12 months, as_of] preceded by a warning.

    A warning precedes a compensation when it concerns the same customer and falls in the
    lead_days days before it (the compensation day excluded). From customer-api's own records:
    an `overdue` event on any of the customer's contracts (contract_overdue), an adverse credit
    event (the adverse kinds of the signals, tax grade C/D, external rating in the C class) and
    a rating whose tier is worse than the one before (tier_downgrade); and, when the alerting
    service answers, a customer alert (subject customer=<id>) that started or fired then.
    """

    window_start: date = Field(description="First day of the window")
    lead_days: int
    compensations: int
    warned: int = Field(description="Preceded by any warning, alerts included")
    warned_share: Ratio = Field(description="warned / compensations")
    by_source: dict[str, int] = Field(description="Compensations each source preceded")
    average_lead_days: float | None = Field(description="Mean lead_days of warned compensations")
    alerts: AlertsStatus = Field(
        description="`unavailable` when the alerting service did not answer: the figures then "
        "come from customer-api's records alone"
    )
    alerts_detail: str | None = Field(description="Why alerts are unavailable")
    items: list[Compensation] = Field(description="Newest first (at most 1000)")


class QuarterScore(_Section):
    quarter: str = Field(description="e.g. 2025Q3")
    start: date
    surveys: int
    average_score: float | None = Field(description="Mean score 1-5, 2 decimals; null if none")


class Satisfaction(_Section):
    """Survey scores (docs/DOMAIN.md §11) by calendar quarter: the 8 quarters up to as_of."""

    quarters: list[QuarterScore] = Field(description="Oldest first")
    change: float | None = Field(
        description="The latest quarter's average minus the previous quarter's; null if "
        "either has no surveys"
    )


class SeveritySla(_Section):
    severity: str
    complaints: int = Field(description="Created in the window, or still unresolved")
    resolved: int = Field(description="Resolved by the report moment")
    resolved_within_due: int = Field(description="resolved_at ≤ due_at")
    within_due_share: Ratio = Field(description="resolved_within_due / resolved")
    open: int = Field(description="Not resolved by the report moment")
    open_breached: int = Field(description="Open and past due_at at the report moment")


class ComplaintSla(_Section):
    """Complaint handling against the due times of docs/DOMAIN.md §11.

    Counts complaints created in (as_of − 12 months, as_of] and every complaint still
    unresolved; the report moment is now, or the end of as_of (China time) when that is earlier.
    """

    at: datetime = Field(description="The report moment")
    by_severity: list[SeveritySla] = Field(description="high, medium, low")
    total: SeveritySla = Field(description="All severities (severity `all`)")


class Evaluation(_Section):
    """The plan's evaluation metrics (docs/DOMAIN.md §1.6)."""

    data_completeness: DataCompleteness
    grading_accuracy: GradingAccuracy
    warning_effectiveness: WarningEffectiveness
    satisfaction: Satisfaction
    complaint_sla: ComplaintSla


class RocPoint(_Section):
    fpr: float = Field(description="Share of non-defaulters with a PD at or above the cut-off")
    tpr: float = Field(description="Share of defaulters with a PD at or above the cut-off")


class ReportBacktest(BacktestOut):
    """GET /v1/ratings/backtest at the report's as_of over 12 months, every model version,
    with the ROC curve its `auc` is the area under."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    roc: list[RocPoint] = Field(
        description="From (0, 0) to (1, 1), one point per distinct PD taken as the cut-off, "
        "highest first; empty when `auc` is null"
    )


class WatchedIndustry(_Section):
    """One entry of the industry watch-list with the book under it."""

    id: uuid.UUID
    industry_prefix: str
    level: str = Field(description="watch, restricted or prohibited")
    reason: str
    effective_from: date
    in_effect: bool = Field(description="effective_from on or before as_of")
    indicators: IndicatorGroup = Field(
        description="The indicators (period ttm) of customers whose industry code falls under "
        "this prefix and under no longer prefix on the list; key = the prefix"
    )


class IndustryReview(_Section):
    """The industry watch-list (docs/DOMAIN.md §15) and the exposure in watched industries."""

    entries: list[WatchedIndustry] = Field(description="The whole list, by prefix")
    guarantee_liability: MoneyOut = Field(
        description="Σ guarantee liability in force of customers under any entry"
    )
    share_of_book: Ratio = Field(description="guarantee_liability / the book's")


class ReviewReport(_Section):
    """The customer review report (客户梳理报告) of docs/DOMAIN.md §1.

    Classification and stock figures are the book as it stands now; as_of moves the flow
    windows (12 months to as_of), the review horizon and the evaluation windows.
    """

    as_of: date
    generated_at: datetime
    period: Period = Field(description="Flow window of the indicators: ttm, 12 months to as_of")
    top: int = Field(description="Length of the largest customer and group lists")
    totals: Totals
    distribution: Distribution
    indicators_by_tier: list[IndicatorGroup] = Field(
        description="GET /v1/portfolio/indicators?group_by=risk_tier&period=ttm; key null = "
        "not yet rated"
    )
    indicators_by_class: list[IndicatorGroup] = Field(description="The same by customer_class")
    regulatory: RegulatoryFigures = Field(description="As GET /v1/portfolio/regulatory")
    largest: Largest
    high_risk: HighRisk
    reviews_due: ReviewsDue
    evaluation: Evaluation
    backtest: ReportBacktest = Field(description="The ratings in force 12 months before as_of")
    industry_review: IndustryReview
