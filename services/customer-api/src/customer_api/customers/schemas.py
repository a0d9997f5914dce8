"""Customer profile models at the HTTP boundary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from guarantee_shared.identifiers import (
    USCC_ALPHABET,
    id_number_problem,
    industry_problem,
    normalise,
)

# The rating vocabulary is the engine's: one definition for both sides of the boundary.
from guarantee_shared.schemas.rating import CustomerClass, RiskTier, SizeClass
from guarantee_shared.text import FreeText, Label, Name, Note, OneLine
from guarantee_shared.types import Date, Money, MoneyOut


class CustomerStatus(StrEnum):
    active = "active"
    inactive = "inactive"


class Ownership(StrEnum):
    """客户性质 (docs/DOMAIN.md §15)."""

    state_owned = "state_owned"
    private = "private"
    foreign = "foreign"
    collective = "collective"
    mixed = "mixed"
    other = "other"


class MarketPosition(StrEnum):
    """市场地位 (docs/DOMAIN.md §15)."""

    leader = "leader"
    major = "major"
    average = "average"
    minor = "minor"


def _normalised(value: object) -> object:
    return normalise(value) if isinstance(value, str) else value


def _uscc_shape(value: str) -> str:
    # The check character is verified by the service, which knows the configured allow-list.
    if len(value) != 18 or any(c not in USCC_ALPHABET for c in value):
        raise ValueError(
            "a unified social credit code is 18 characters from 0-9 and A-Y without I, O, S, V, Z"
        )
    return value


def _id_number(value: str) -> str:
    problem = id_number_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _industry(value: str) -> str:
    problem = industry_problem(value)
    if problem:
        raise ValueError(problem)
    return value


# A token's `sub`, as the audit log's actor column holds it.
Subject = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
]
CreditCode = Annotated[str, BeforeValidator(_normalised), AfterValidator(_uscc_shape)]
IdNumber = Annotated[str, BeforeValidator(_normalised), AfterValidator(_id_number)]
IndustryCode = Annotated[str, BeforeValidator(_normalised), AfterValidator(_industry)]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Label | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9+\-() ]{5,30}$")] | None = None
    email: (
        Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=200)] | None
    ) = None
    address: Annotated[str, StringConstraints(max_length=500), FreeText] | None = None


class CustomerFields(BaseModel):
    """The fields a client writes (POST body; PATCH merges into these)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    credit_code: CreditCode = Field(description="统一社会信用代码, GB 32100-2015 check verified")
    legal_representative: Label | None = None
    legal_representative_id_number: IdNumber | None = Field(
        default=None, description="GB 11643; masked in responses without the pii:read scope"
    )
    registered_capital: Money | None = None
    established_on: Date | None = None
    industry_code: IndustryCode | None = Field(
        default=None, description="GB/T 4754-2017: section letter, optionally 2-4 digits"
    )
    main_business: Note | None = None
    # strict: an integer is a JSON integer, never "12", 12.0 or true (lax pydantic takes all three).
    employees: Annotated[int, Field(ge=0, le=10_000_000, strict=True)] | None = None
    # [0-9], not \d: the pattern engine's \d also matches full-width digits, stored as typed.
    region_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")] | None = Field(
        default=None, description="GB/T 2260 six-digit region code"
    )
    cooperation_since: Date | None = None
    related_group: Name | None = None
    related_party: bool = Field(
        default=False,
        strict=True,
        description="The company's own controlling shareholder, actual controller or an "
        "affiliate of theirs: never guaranteed",
    )
    contact: Contact | None = None
    status: CustomerStatus = CustomerStatus.active
    account_manager: Subject | None = Field(
        default=None, description="The `sub` of the officer who owns the customer"
    )
    ownership: Ownership | None = Field(default=None, description="客户性质")
    market_position: MarketPosition | None = Field(default=None, description="市场地位")


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    credit_code: str
    legal_representative: str | None
    legal_representative_id_number: str | None
    registered_capital: MoneyOut | None
    established_on: date | None
    industry_code: str | None
    industry_section: str | None
    main_business: str | None
    employees: int | None
    region_code: str | None
    cooperation_since: date | None
    related_group: str | None
    related_party: bool
    contact: Contact | None
    status: CustomerStatus
    account_manager: str | None
    size_class: SizeClass | None
    customer_class: CustomerClass | None
    risk_tier: RiskTier | None
    credit_grade: str | None
    score: float | None
    rated_at: datetime | None
    model_version: str | None
    last_verified_at: datetime | None
    next_review_due: date | None
    ownership: Ownership | None = None
    market_position: MarketPosition | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class CustomerFilter(BaseModel):
    """The filters of ``GET /v1/customers``, also the ``filter`` of a review campaign."""

    model_config = ConfigDict(extra="forbid")

    customer_class: CustomerClass | None = None
    risk_tier: RiskTier | None = None
    size_class: SizeClass | None = None
    industry_section: Annotated[str, StringConstraints(pattern=r"^[A-T]$")] | None = None
    status: CustomerStatus | None = None
    ownership: Ownership | None = None
    market_position: MarketPosition | None = None
    q: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        default=None, description="Name or credit code contains"
    )
    review_due_before: Date | None = None
    # Not Subject: a filter takes exactly what the query parameter takes (no trimming).
    account_manager: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class CustomerSort(StrEnum):
    name = "name"
    score = "score"
    score_desc = "-score"
    created_at = "created_at"
    created_at_desc = "-created_at"


__all__ = [
    "CreditCode",
    "CustomerClass",
    "CustomerFields",
    "CustomerFilter",
    "CustomerOut",
    "CustomerSort",
    "CustomerStatus",
    "MarketPosition",
    "Ownership",
    "RiskTier",
    "SizeClass",
    "Subject",
]
