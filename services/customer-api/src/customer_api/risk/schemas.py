"""Expected loss, reserves and stress tests at the HTTP boundary (docs/DOMAIN.md §15, §16).

Only customer-api serves these, so they live here rather than in guarantee_shared.schemas.
Money is a 2-place string, ratios are numbers rounded to 4 places (``Ratio``).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from guarantee_shared.schemas.portfolio import GroupBy
from guarantee_shared.types import MoneyOut, Ratio


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
