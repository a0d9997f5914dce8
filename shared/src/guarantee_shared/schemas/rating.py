"""Rating request and result: the contract between customer-api (or a partner) and rating-engine.

Field names follow docs/CONTRACT.md. Money is CNY yuan as a 2-place decimal string; figures that can
be negative (equity, profit, cash flow, retained earnings) use :data:`SignedMoney`. A figure a
caller does not know is omitted or ``null``: the engine treats it as unknown, never as zero.
Facts dated after ``as_of`` are ignored, so re-rating an old ``as_of`` with today's records gives
the rating that was due then.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from guarantee_shared.identifiers import industry_problem
from guarantee_shared.types import Date, Money, MoneyOut, Ratio, SignedMoney

MAX_BATCH = 10_000


def _check_industry_code(value: str) -> str:
    problem = industry_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


IndustryCode = Annotated[
    str,
    Field(examples=["C3911"], description="GB/T 4754-2017: section letter, then 2-4 digits"),
    AfterValidator(_check_industry_code),
]

# 三等九级 with +/- notches, none on AAA and none from CCC down (docs/DOMAIN.md §3).
EXTERNAL_GRADE = re.compile(r"^(AAA|(AA|A|BBB|BB|B)[+-]?|CCC|CC|C)$")
TAX_CREDIT_GRADES = frozenset({"A", "B", "M", "C", "D"})


class CreditGrade(StrEnum):
    AAA = "AAA"
    AA = "AA"
    A = "A"
    BBB = "BBB"
    BB = "BB"
    B = "B"
    CCC = "CCC"
    CC = "CC"
    C = "C"


class RiskTier(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class CustomerClass(StrEnum):
    PREMIUM = "premium"
    GENERAL = "general"
    HIGH_RISK = "high_risk"


class SizeClass(StrEnum):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"
    UNKNOWN = "unknown"


class PeriodType(StrEnum):
    ANNUAL = "annual"
    QUARTERLY = "quarterly"


class CreditEventSource(StrEnum):
    BANK = "bank"
    TAX = "tax"
    REGISTRY = "registry"
    COURT = "court"
    CREDIT_BUREAU = "credit_bureau"
    OTHER = "other"


class CreditEventKind(StrEnum):
    LOAN_OVERDUE = "loan_overdue"
    DEFAULT = "default"
    TAX_ARREARS = "tax_arrears"
    TAX_CREDIT_GRADE = "tax_credit_grade"
    ABNORMAL_OPERATION = "abnormal_operation"
    LITIGATION = "litigation"
    DISHONEST_EXECUTEE = "dishonest_executee"
    ADMINISTRATIVE_PENALTY = "administrative_penalty"
    EXTERNAL_RATING = "external_rating"
    POSITIVE_RECORD = "positive_record"


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RatingCustomer(_Request):
    industry_code: IndustryCode | None = None
    established_on: Date | None = None
    # Counts are JSON integers (strict): never "120", 120.0 or true.
    employees: int | None = Field(default=None, ge=0, le=10_000_000, strict=True)
    registered_capital: Money | None = None
    cooperation_since: Date | None = Field(
        default=None, description="Date the relationship with the guarantee company began"
    )


class FinancialStatement(_Request):
    """One statement; a figure left out is unknown to the engine (ratios using it are unknown)."""

    period_end: Date
    period_type: PeriodType
    audited: bool = False
    total_assets: Money | None = None
    total_liabilities: Money | None = None
    equity: SignedMoney | None = None
    current_assets: Money | None = None
    current_liabilities: Money | None = None
    cash: Money | None = None
    revenue: Money | None = None
    net_profit: SignedMoney | None = None
    operating_cash_flow: SignedMoney | None = None
    operating_profit: SignedMoney | None = None
    interest_expense: Money | None = None
    inventory: Money | None = None
    receivables: Money | None = None
    retained_earnings: SignedMoney | None = None


class CreditEvent(_Request):
    source: CreditEventSource
    kind: CreditEventKind
    occurred_on: Date
    amount: Money | None = None
    grade: str | None = Field(
        default=None,
        description="external_rating: AAA...C with optional +/-; tax_credit_grade: A, B, M, C, D",
    )
    agency: str | None = Field(default=None, max_length=200)
    detail: str | None = Field(default=None, max_length=2000)
    resolved_on: Date | None = None

    @model_validator(mode="after")
    def _grade_fits_kind(self) -> CreditEvent:
        if self.kind is CreditEventKind.EXTERNAL_RATING:
            if self.grade is None or not EXTERNAL_GRADE.match(self.grade):
                raise ValueError("an external_rating needs a grade AAA, AA+ ... B-, CCC, CC or C")
        elif self.kind is CreditEventKind.TAX_CREDIT_GRADE and self.grade not in TAX_CREDIT_GRADES:
            raise ValueError("a tax_credit_grade needs a grade A, B, M, C or D")
        if self.resolved_on is not None and self.resolved_on < self.occurred_on:
            raise ValueError("resolved_on is before occurred_on")
        return self


class GuaranteeHistory(_Request):
    """The customer's record on the guarantee company's own contracts."""

    contracts_total: int = Field(default=0, ge=0, strict=True)
    overdue_events: int = Field(
        default=0,
        ge=0,
        strict=True,
        description="Overdue events on our contracts in the 24 months to as_of",
    )
    max_overdue_days: int = Field(
        default=0,
        ge=0,
        strict=True,
        description="Longest overdue on our contracts in the 24 months to as_of",
    )
    compensations: int = Field(
        default=0, ge=0, strict=True, description="Compensations (代偿) ever paid"
    )
    compensated_amount: Money = Decimal(0)
    recovered_amount: Money = Decimal(0)
    written_off_amount: Money = Decimal(0)
    last_compensation_on: Date | None = None
    outstanding_balance: Money = Field(
        default=Decimal(0), description="Current guarantee liability to this customer"
    )
    collateral_value: Money = Decimal(0)


class LimitsContext(_Request):
    guarantor_net_assets: Money = Field(description="The guarantee company's own net assets")
    group_liability: Money = Field(
        default=Decimal(0),
        description="Liability to the customer's related group, the customer's own included",
    )


class RatingRequest(_Request):
    as_of: Date
    customer: RatingCustomer
    financials: list[FinancialStatement] = Field(
        default_factory=list, max_length=3, description="Up to three statements, newest first"
    )
    credit_events: list[CreditEvent] = Field(default_factory=list, max_length=1000)
    guarantee_history: GuaranteeHistory = Field(default_factory=GuaranteeHistory)
    limits_context: LimitsContext | None = None

    @model_validator(mode="after")
    def _founded_by_as_of(self) -> RatingRequest:
        founded = self.customer.established_on
        if founded is not None and founded > self.as_of:
            raise ValueError("customer.established_on is after as_of")
        return self


class RatingBatchRequest(_Request):
    requests: list[RatingRequest] = Field(max_length=MAX_BATCH)


class _Result(BaseModel):
    # Results ignore unknown fields so an older client keeps reading a newer engine.
    model_config = ConfigDict(extra="ignore", frozen=True)


class RatingReason(_Result):
    code: str
    factor: str
    points: int = Field(description="Effect on the score against the factor's neutral points")
    message: str


class FinancialRatios(_Result):
    """The ratios of docs/DOMAIN.md §2 the rating used; ``null`` when unknown."""

    debt_ratio: Ratio = None
    current_ratio: Ratio = None
    roa: Ratio = None
    net_margin: Ratio = None
    revenue_growth: Ratio = None
    ocf_to_liabilities: Ratio = None
    interest_coverage: Ratio = None
    altman_z: Ratio = None


class RatingResult(_Result):
    score: int = Field(ge=0, le=1000)
    credit_grade: CreditGrade
    pd: float = Field(ge=0, le=1, description="One-year probability of default")
    risk_tier: RiskTier
    customer_class: CustomerClass
    size_class: SizeClass
    matched_conditions: list[str]
    reasons: list[RatingReason] = Field(description="Largest effect first")
    knockouts: list[str]
    recommended_limit: MoneyOut | None = Field(description="null if equity and revenue are unknown")
    strategy: str
    review_interval_days: int
    model_version: str
    as_of: date
    ratios: FinancialRatios = Field(default_factory=FinancialRatios)


class ValidationIssue(_Result):
    loc: list[str | int]
    msg: str
    type: str


class ItemProblem(_Result):
    """RFC 9457 problem details for one batch item that could not be rated."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ValidationIssue] = Field(default_factory=list)


class RatingBatchError(_Result):
    error: ItemProblem


class RatingBatchResponse(_Result):
    results: list[RatingResult | RatingBatchError]


class ModelSummary(_Result):
    version: str
    name: str
    effective_from: date
    description: str


class ModelsIndex(_Result):
    active: str
    available: list[ModelSummary]
