"""Financial statements and credit events at the HTTP boundary.

Cross-field rules are field validators on the later field, so a 422 names the field at fault
(``["body", "equity"]``) and a merge patch, which re-validates the whole model, gets them too.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from guarantee_shared.clock import business_today
from guarantee_shared.identifiers import normalise
from guarantee_shared.schemas.rating import (
    EXTERNAL_GRADE,
    TAX_CREDIT_GRADES,
    CreditEventKind,
    CreditEventSource,
    PeriodType,
)
from guarantee_shared.text import Label, LongNote
from guarantee_shared.types import Date, Money, MoneyOut, SignedMoney

# docs/CONTRACT.md: assets - liabilities - equity may be off by at most 1% of assets (rounding,
# minority interests presented outside equity); beyond that the figures do not belong together.
IDENTITY_TOLERANCE = Decimal("0.01")


def _not_future(value: date) -> date:
    today = business_today()
    if value > today:
        raise PydanticCustomError(
            "date_in_future", "must not be after today ({today})", {"today": today.isoformat()}
        )
    return value


PastDate = Annotated[Date, AfterValidator(_not_future)]


class StatementFields(BaseModel):
    """One balance sheet, income statement and cash-flow summary, in CNY yuan."""

    model_config = ConfigDict(extra="forbid")

    period_end: PastDate
    period_type: PeriodType
    audited: bool
    total_assets: Money
    total_liabilities: Money
    equity: SignedMoney = Field(description="Within 1% of total_assets - total_liabilities")
    current_assets: Money = Field(description="At most total_assets")
    current_liabilities: Money = Field(description="At most total_liabilities")
    cash: Money
    revenue: Money
    net_profit: SignedMoney
    operating_cash_flow: SignedMoney
    operating_profit: SignedMoney | None = None
    interest_expense: Money | None = None
    inventory: Money | None = None
    receivables: Money | None = None
    retained_earnings: SignedMoney | None = None

    @field_validator("equity")
    @classmethod
    def _balance_sheet_identity(cls, equity: Decimal, info: ValidationInfo) -> Decimal:
        assets = info.data.get("total_assets")
        liabilities = info.data.get("total_liabilities")
        if assets is None or liabilities is None:  # already reported as their own errors
            return equity
        gap = assets - liabilities - equity
        # With zero assets the tolerance is zero: the identity must hold exactly.
        limit = assets * IDENTITY_TOLERANCE
        if abs(gap) > limit:
            raise PydanticCustomError(
                "balance_sheet_identity",
                "total_assets - total_liabilities - equity is {gap}, more than 1% of "
                "total_assets ({limit})",
                {"gap": f"{gap:.2f}", "limit": f"{limit:.2f}"},
            )
        return equity

    @field_validator("current_assets")
    @classmethod
    def _current_assets_within_total(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        return _at_most(value, info.data.get("total_assets"), "total_assets")

    @field_validator("current_liabilities")
    @classmethod
    def _current_liabilities_within_total(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        return _at_most(value, info.data.get("total_liabilities"), "total_liabilities")


def _at_most(value: Decimal, bound: Decimal | None, bound_name: str) -> Decimal:
    if bound is not None and value > bound:
        raise PydanticCustomError(
            "exceeds_total",
            "must not exceed {bound_name} ({bound})",
            {"bound_name": bound_name, "bound": f"{bound:.2f}"},
        )
    return value


class StatementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    period_end: date
    period_type: PeriodType
    audited: bool
    total_assets: MoneyOut
    total_liabilities: MoneyOut
    equity: MoneyOut
    current_assets: MoneyOut
    current_liabilities: MoneyOut
    cash: MoneyOut
    revenue: MoneyOut
    net_profit: MoneyOut
    operating_cash_flow: MoneyOut
    operating_profit: MoneyOut | None
    interest_expense: MoneyOut | None
    inventory: MoneyOut | None
    receivables: MoneyOut | None
    retained_earnings: MoneyOut | None
    version: int
    created_at: datetime


def _grade_text(value: object) -> object:
    # Typed ratings often carry a typographic minus or full-width letters: "ＡＡ−" is AA-.
    return normalise(value).replace("\u2212", "-") if isinstance(value, str) else value


class CreditEventFields(BaseModel):
    """A credit record from a bank, the tax bureau, the registry, a court or a bureau."""

    model_config = ConfigDict(extra="forbid")

    source: CreditEventSource
    kind: CreditEventKind
    occurred_on: PastDate
    amount: Money | None = None
    grade: Annotated[str | None, BeforeValidator(_grade_text)] = Field(
        default=None,
        validate_default=True,
        description="external_rating: AAA…C, +/- on AA to B; tax_credit_grade: A, B, M, C or D; "
        "absent for every other kind",
    )
    agency: Label | None = None
    detail: LongNote | None = None
    resolved_on: PastDate | None = Field(
        default=None, description="When an adverse record was cleared; not before occurred_on"
    )

    @field_validator("grade")
    @classmethod
    def _grade_fits_kind(cls, grade: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if kind is None:  # the kind's own error is reported
            return grade
        if kind is CreditEventKind.EXTERNAL_RATING:
            return _required_grade(
                grade,
                kind,
                EXTERNAL_GRADE.fullmatch(grade or "") is not None,
                "AAA; AA, A, BBB, BB or B, each with an optional + or -; CCC, CC or C",
            )
        if kind is CreditEventKind.TAX_CREDIT_GRADE:
            return _required_grade(grade, kind, grade in TAX_CREDIT_GRADES, "A, B, M, C or D")
        if grade is not None:
            raise PydanticCustomError(
                "grade_not_allowed", "a {kind} record carries no grade", {"kind": kind.value}
            )
        return None

    @field_validator("resolved_on")
    @classmethod
    def _resolved_after_occurred(
        cls, resolved_on: date | None, info: ValidationInfo
    ) -> date | None:
        occurred_on = info.data.get("occurred_on")
        if resolved_on is not None and occurred_on is not None and resolved_on < occurred_on:
            raise PydanticCustomError(
                "resolved_before_occurred",
                "must not be before occurred_on ({occurred_on})",
                {"occurred_on": occurred_on.isoformat()},
            )
        return resolved_on


def _required_grade(grade: str | None, kind: CreditEventKind, valid: bool, allowed: str) -> str:
    if grade is None:
        raise PydanticCustomError(
            "grade_required", "a {kind} record needs a grade", {"kind": kind.value}
        )
    if not valid:
        raise PydanticCustomError(
            "grade_format",
            "{grade} is not a {kind} grade; expected {allowed}",
            {"grade": grade, "kind": kind.value, "allowed": allowed},
        )
    return grade


class CreditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    source: CreditEventSource
    kind: CreditEventKind
    occurred_on: date
    amount: MoneyOut | None
    grade: str | None
    agency: str | None
    detail: str | None
    resolved_on: date | None
    version: int
    created_at: datetime


__all__ = [
    "CreditEventFields",
    "CreditEventKind",
    "CreditEventOut",
    "CreditEventSource",
    "PeriodType",
    "StatementFields",
    "StatementOut",
]
