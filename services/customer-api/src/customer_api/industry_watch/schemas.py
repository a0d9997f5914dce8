"""Watch-list entries at the HTTP boundary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from customer_api.customers.schemas import IndustryCode
from guarantee_shared.text import FreeText
from guarantee_shared.types import Date


class WatchLevel(StrEnum):
    """docs/DOMAIN.md §15: how hard the company leans against an industry."""

    watch = "watch"
    restricted = "restricted"
    prohibited = "prohibited"


Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), FreeText
]


class WatchFields(BaseModel):
    """What a client writes (POST body; PATCH merges into these)."""

    model_config = ConfigDict(extra="forbid")

    industry_prefix: IndustryCode = Field(
        description="GB/T 4754-2017 code prefix: a section letter, or a 2-4 digit division, "
        "group or class under it (e.g. `K`, `K70`, `C3011`); full-width input accepted"
    )
    level: WatchLevel
    reason: Reason = Field(description="Why the industry is on the list")
    effective_from: Date | None = Field(
        default=None, description="The first day the entry applies; default today (China)"
    )


class WatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    industry_prefix: str
    level: WatchLevel
    reason: str
    effective_from: date
    version: int
    created_at: datetime
    updated_at: datetime
