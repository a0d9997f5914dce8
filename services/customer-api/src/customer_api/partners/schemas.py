"""Partners, their rating look-ups and their webhook subscriptions at the HTTP boundary."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from customer_api.ratings.schemas import PartnerRating
from guarantee_shared.text import Name, OneLine

# A partner's code is the `partner` claim of its tokens and a path segment of its routes:
# letters, digits and . _ - only, so it needs no escaping in either.
PartnerCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
]
MAX_LENDER_NAMES = 100
MAX_LOOKUP_CODES = 1000
RATING_CHANGED = "rating.changed"


def _distinct(names: list[str]) -> list[str]:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"the lender name {name!r} is listed twice")
        seen.add(name)
    return names


LenderNames = Annotated[
    list[Name],
    Field(
        min_length=1,
        max_length=MAX_LENDER_NAMES,
        description="The names under which contracts record this bank (`lender`), e.g. 工商银行, "
        "中国工商银行苏州分行. Matched exactly after trimming surrounding white space; a name "
        "belongs to one partner only",
    ),
    AfterValidator(_distinct),
]


class PartnerChange(BaseModel):
    """What a merge patch may change: everything but the code, which tokens carry."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="The bank's name")
    lender_names: LenderNames


class PartnerFields(PartnerChange):
    code: PartnerCode = Field(
        description="The bank's code: the `partner` claim of its tokens (letters, digits, . _ -)"
    )


class PartnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    lender_names: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


CreditCodeItem = Annotated[str, StringConstraints(min_length=1, max_length=40), OneLine]


class LookupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credit_codes: list[CreditCodeItem] = Field(
        min_length=1,
        max_length=MAX_LOOKUP_CODES,
        description="Up to 1,000 credit codes, normalised as on input (trimmed, full-width "
        "folded, upper-cased); repeats are answered repeatedly",
    )


class LookupResult(BaseModel):
    credit_code: str = Field(description="The code asked for, normalised")
    found: bool = Field(
        description="false exactly when GET /v1/ratings/{credit_code} would answer 404"
    )
    rating: PartnerRating | None


class LookupResponse(BaseModel):
    results: list[LookupResult] = Field(description="One per code asked for, in the same order")


class SubscriptionFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="http(s) URL; private and loopback targets only where configuration allows"
    )
    secret: Annotated[str, StringConstraints(min_length=16, max_length=500)] = Field(
        description="Signing key: `whsec_<base64>` (Standard Webhooks) or any string of 16+ "
        "characters (its UTF-8 bytes are the key). Write-only."
    )
    events: list[Literal["rating.changed"]] = Field(
        min_length=1,
        max_length=1,
        description="The events to send: `rating.changed` (a customer's grade, tier or class "
        "changed, or it was rated for the first time)",
    )


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None = Field(description="Why delivery stopped (e.g. 410 Gone)")
    version: int
    created_at: datetime


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"


class DeliveryOut(BaseModel):
    """One event to one subscription; ``id`` is its ``webhook-id`` and CloudEvents ``id``."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subscription_id: uuid.UUID
    event_type: str
    status: DeliveryStatus = Field(description="pending (retrying until attempts run out)")
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
