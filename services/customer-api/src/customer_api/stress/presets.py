"""The named scenarios of docs/DOMAIN.md §16 (ours), shipped as data.

A property downturn hits the collateral of the whole book, not only property developers'
loans: a fall in prices lowers every real-estate pledge, so the haircut shock has no industry
filter. The same holds for receivables in an export shock.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from customer_api.contracts.schemas import CollateralKind
from customer_api.stress.schemas import PresetName, Shock, ShockFilter, StressPreset

PRESETS: Final[dict[PresetName, StressPreset]] = {
    preset.name: preset
    for preset in (
        StressPreset(
            name=PresetName.real_estate_downturn,
            description="Real-estate downturn: PD × 3 in sections K (real estate) and E "
            "(construction); real-estate collateral haircut + 0.2 across the book",
            shocks=[
                Shock(filter=ShockFilter(industry_section=["K", "E"]), pd_multiplier=Decimal(3)),
                Shock(
                    filter=ShockFilter(collateral_kind=[CollateralKind.real_estate]),
                    haircut_add=Decimal("0.2"),
                ),
            ],
        ),
        StressPreset(
            name=PresetName.manufacturing_export_shock,
            description="Manufacturing export shock: PD × 2 in section C (manufacturing); "
            "receivables haircut + 0.2 across the book",
            shocks=[
                Shock(filter=ShockFilter(industry_section=["C"]), pd_multiplier=Decimal(2)),
                Shock(
                    filter=ShockFilter(collateral_kind=[CollateralKind.receivables]),
                    haircut_add=Decimal("0.2"),
                ),
            ],
        ),
        StressPreset(
            name=PresetName.broad_recession,
            description="Broad recession: every PD × 2, every haircut + 0.1, net assets − 5 %",
            shocks=[Shock(pd_multiplier=Decimal(2), haircut_add=Decimal("0.1"))],
            net_assets_shock=Decimal("0.05"),
        ),
    )
}
