"""Stress tests at the HTTP boundary (docs/DOMAIN.md §16)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from customer_api.contracts.schemas import CollateralKind, Product
from guarantee_shared.schemas.rating import RiskTier, SizeClass
from guarantee_shared.types import MoneyOut, Ratio, UnitRatio

MAX_SHOCKS = 20
MAX_VALUES = 50

Section = Annotated[str, StringConstraints(pattern=r"^[A-T]$")]
RegionPrefix = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,6}$")]
# A PD multiplier: above 0 (below 1 eases a PD), at most 100; the stressed PD is capped at 1.
Multiplier = Annotated[
    Decimal, Field(gt=0, le=100, max_digits=9, decimal_places=6, allow_inf_nan=False)
]


class PresetName(StrEnum):
    real_estate_downturn = "real_estate_downturn"
    manufacturing_export_shock = "manufacturing_export_shock"
    broad_recession = "broad_recession"


class ShockFilter(BaseModel):
    """Which exposures a shock hits: every field given must hold (a field holds when the
    exposure's value is one of those listed); an empty filter hits the whole book."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    industry_section: list[Section] | None = Field(
        default=None, max_length=MAX_VALUES, description='GB/T 4754 sections, e.g. ["K", "E"]'
    )
    region_code: list[RegionPrefix] | None = Field(
        default=None,
        max_length=MAX_VALUES,
        description='Prefixes of the customer\'s region code, e.g. ["33"] for Zhejiang',
    )
    size_class: list[SizeClass] | None = Field(default=None, max_length=MAX_VALUES)
    risk_tier: list[RiskTier] | None = Field(default=None, max_length=MAX_VALUES)
    product: list[Product] | None = Field(default=None, max_length=MAX_VALUES)
    collateral_kind: list[CollateralKind] | None = Field(
        default=None,
        max_length=MAX_VALUES,
        description="Narrows haircut_add to collateral of these kinds (a shock with it may "
        "not carry a pd_multiplier)",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _one_is_a_list(cls, value: Any) -> Any:
        # A single value is read as a list of one: {"industry_section": "K"}.
        return [value] if isinstance(value, str) else value

    def fields(self) -> dict[str, list[str]]:
        """The exposure filters given (collateral_kind aside), as plain values."""
        return {
            name: [str(v) for v in values]
            for name in ("industry_section", "region_code", "size_class", "risk_tier", "product")
            if (values := getattr(self, name)) is not None
        }


class Shock(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    filter: ShockFilter = Field(default_factory=ShockFilter)
    pd_multiplier: Multiplier | None = Field(
        default=None, description="Multiplies the PD of the exposures hit (capped at 1)"
    )
    haircut_add: UnitRatio | None = Field(
        default=None, description="Added to the haircut of their collateral (capped at 1)"
    )

    @model_validator(mode="after")
    def _does_something(self) -> Self:
        if self.pd_multiplier is None and self.haircut_add is None:
            raise ValueError("a shock needs a pd_multiplier, a haircut_add or both")
        if self.filter.collateral_kind is not None and self.pd_multiplier is not None:
            raise ValueError(
                "collateral_kind narrows haircut_add only; put the pd_multiplier in a shock "
                "of its own"
            )
        return self


class StressTestIn(BaseModel):
    """Shocks and a net-assets shock, or a preset; with neither, the unstressed book."""

    model_config = ConfigDict(extra="forbid")

    shocks: list[Shock] = Field(default_factory=list, max_length=MAX_SHOCKS)
    net_assets_shock: UnitRatio | None = Field(
        default=None, description="Share of net assets lost besides the credit losses (0-1)"
    )
    preset: PresetName | None = Field(
        default=None, description="A named scenario (GET /v1/portfolio/stress-presets)"
    )

    @model_validator(mode="after")
    def _preset_alone(self) -> Self:
        if self.preset is not None and (self.shocks or self.net_assets_shock is not None):
            raise ValueError("a preset carries its own shocks: send a preset or shocks, not both")
        return self


class StressPreset(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: PresetName
    description: str
    shocks: list[Shock]
    net_assets_shock: UnitRatio | None = None


class StressPresetList(BaseModel):
    items: list[StressPreset]


class Contributor(BaseModel):
    model_config = ConfigDict(frozen=True)

    customer_id: uuid.UUID
    name: str | None
    ead: MoneyOut
    pd: Ratio = Field(description="Stressed, exposure-weighted")
    lgd: Ratio = Field(description="Stressed, weighted by PD × EAD")
    expected_loss: MoneyOut


class StressInputs(BaseModel):
    """Everything the answer was computed from, as it stood when the test ran."""

    model_config = ConfigDict(frozen=True)

    preset: PresetName | None
    shocks: list[Shock]
    net_assets_shock: UnitRatio
    net_assets: MoneyOut
    guarantee_investments: MoneyOut
    reserves: MoneyOut = Field(description="Reported reserves, both lines")
    reserves_year: int | None = Field(
        description="The year whose reported reserves were used (the latest up to now); null "
        "when none was reported, and then reserves are zero"
    )
    default_pd: Ratio
    lgd_floor: Ratio


class StressTestOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    created_at: datetime
    created_by: str
    inputs: StressInputs
    baseline_expected_loss: MoneyOut = Field(description="EL of the book without the shocks")
    expected_loss: MoneyOut = Field(description="Stressed Σ PD × LGD × EAD")
    expected_compensations: MoneyOut = Field(
        description="Σ stressed PD × EAD over exposure in force: compensations expected within "
        "a year"
    )
    reserve_shortfall: MoneyOut = Field(description="max(0, expected_loss − reserves)")
    net_assets_after: MoneyOut = Field(
        description="net_assets × (1 − net_assets_shock) − reserve_shortfall"
    )
    weighted_liability: MoneyOut = Field(description="融资担保责任余额, as the regulatory figures")
    leverage_after: Ratio = Field(
        description="weighted_liability / (net_assets_after − guarantee_investments); null when "
        "that base is not positive"
    )
    leverage_cap: int
    breaches_cap: bool = Field(
        description="leverage_after above the cap, or no capital left to measure it against"
    )
    top_contributors: list[Contributor] = Field(description="Up to 10, largest stressed EL first")
