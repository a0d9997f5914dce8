"""Bodies of POST /v1/policy/check and of the policy-violation problem."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from customer_api.contracts.schemas import Product
from customer_api.policy.rules import Rule
from guarantee_shared.types import MoneyOut, PositiveMoney, PositiveUnitRatio, Ratio


class PolicyCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    principal: PositiveMoney
    guarantee_ratio: PositiveUnitRatio = Field(
        default=1, validate_default=True, description="Share of a loss the company bears"
    )
    product: Product


class FindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rule: Rule
    limit: str | float | int | None = Field(
        description="Money as a decimal string, a share of net assets or leverage as a number, "
        "days for a stale rating; null when the rule has no figure"
    )
    value: str | float | int | list[str] | None = Field(
        description="The figure after the contract, in the limit's unit; the knock-outs for "
        "`knockout`"
    )
    message: str


class Exposure(BaseModel):
    """The figures the rules compared, each counting the proposed contract."""

    current_liability: MoneyOut = Field(description="Σ guarantee liability in force now")
    new_liability: MoneyOut = Field(description="principal × guarantee_ratio")
    exposure_after: MoneyOut
    limit: MoneyOut | None = Field(description="The latest rating's gross limit")
    financing: bool = Field(description="A financing guarantee (counts toward §9's limits)")
    customer_financing_liability: MoneyOut
    customer_share: Ratio
    related_group: str | None
    group_financing_liability: MoneyOut
    group_share: Ratio
    net_assets: MoneyOut
    weighted_liability: MoneyOut
    leverage: Ratio
    leverage_cap: int


class PolicyCheckOut(BaseModel):
    allowed: bool
    violations: list[FindingOut]
    warnings: list[FindingOut]
    exposure: Exposure
