"""Stress tests (docs/DOMAIN.md §16): the expected-loss statement with shocks bound, and what
the stressed loss does to reserves, net assets and leverage. The run is stored with everything
it was computed from. Flushes, never commits.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.models import ReserveBalance, StressTest
from customer_api.portfolio import service as portfolio
from customer_api.risk.queries import ShockSql
from customer_api.risk.service import RiskParameters, el_rows
from customer_api.stress.presets import PRESETS
from customer_api.stress.schemas import (
    Contributor,
    Shock,
    StressInputs,
    StressPreset,
    StressTestIn,
    StressTestOut,
)
from guarantee_shared.clock import business_today, utc_now
from guarantee_shared.db.queries import get_or_404
from guarantee_shared.schemas.portfolio import GroupBy

TOP_CONTRIBUTORS = 10


def presets() -> list[StressPreset]:
    return list(PRESETS.values())


def _sql(shock: Shock) -> ShockSql:
    return ShockSql(
        filters=shock.filter.fields(),
        collateral_kinds=[str(kind) for kind in shock.filter.collateral_kind or ()],
        pd_multiplier=shock.pd_multiplier,
        haircut_add=shock.haircut_add,
    )


async def _reserves(session: AsyncSession) -> tuple[Decimal, int | None]:
    """The reserves finance reported for the latest year up to the current one (both lines);
    zero when none was reported."""
    latest = await session.scalar(
        select(ReserveBalance)
        .where(ReserveBalance.year <= business_today().year)
        .order_by(ReserveBalance.year.desc())
        .limit(1)
    )
    if latest is None:
        return Decimal(0), None
    return latest.unearned_premium_reserve + latest.compensation_reserve, latest.year


def _snapshot(test: StressTest) -> dict[str, Any]:
    # The inputs and the headline figure; the whole answer is on the row itself.
    return {
        "preset": test.preset,
        "inputs": test.inputs,
        "expected_loss": test.result["expected_loss"],
    }


async def run(
    session: AsyncSession,
    request: StressTestIn,
    *,
    actor: str,
    net_assets: Decimal,
    guarantee_investments: Decimal,
    risk: RiskParameters,
) -> StressTestOut:
    """Stress the book as it stands, store the run and answer it."""
    preset = PRESETS[request.preset] if request.preset is not None else None
    shocks = preset.shocks if preset is not None else request.shocks
    shock = (preset.net_assets_shock if preset is not None else request.net_assets_shock) or 0
    shock = Decimal(shock)
    bound = [_sql(s) for s in shocks]
    stressed = (await el_rows(session, group_by=GroupBy.NONE, risk=risk, shocks=bound))[0]
    baseline = (await el_rows(session, group_by=GroupBy.NONE, risk=risk))[0]
    top = await el_rows(
        session, group_by=GroupBy.CUSTOMER, risk=risk, shocks=bound, top=TOP_CONTRIBUTORS
    )
    reserves, reserves_year = await _reserves(session)
    regulatory = await portfolio.regulatory(
        session, net_assets=net_assets, guarantee_investments=guarantee_investments, top=1
    )
    expected_loss: Decimal = stressed["expected_loss"]
    shortfall = max(Decimal(0), expected_loss - reserves)
    net_assets_after = net_assets * (1 - shock) - shortfall
    base = net_assets_after - guarantee_investments
    leverage = regulatory.weighted_liability / base if base > 0 else None
    inputs = StressInputs(
        preset=request.preset,
        shocks=list(shocks),
        net_assets_shock=shock,
        net_assets=net_assets,
        guarantee_investments=guarantee_investments,
        reserves=reserves,
        reserves_year=reserves_year,
        default_pd=risk.default_pd,
        lgd_floor=risk.lgd_floor,
    )
    test_id = uuid.uuid4()
    created_at = utc_now()
    result = StressTestOut(
        id=test_id,
        created_at=created_at,
        created_by=actor,
        inputs=inputs,
        baseline_expected_loss=baseline["expected_loss"],
        expected_loss=expected_loss,
        expected_compensations=stressed["expected_compensations"],
        reserve_shortfall=shortfall,
        net_assets_after=net_assets_after,
        weighted_liability=regulatory.weighted_liability,
        leverage_after=leverage,
        leverage_cap=regulatory.leverage_cap,
        # With no capital left there is nothing to lever: that breaks the cap too.
        breaches_cap=leverage is None or leverage > regulatory.leverage_cap,
        top_contributors=[
            Contributor(
                customer_id=uuid.UUID(row["key"]),
                name=row["name"],
                ead=row["ead"],
                pd=row["pd"],
                lgd=row["lgd"],
                expected_loss=row["expected_loss"],
            )
            for row in top
        ],
    )
    stored = StressTest(
        id=test_id,
        preset=None if request.preset is None else request.preset.value,
        inputs=inputs.model_dump(mode="json"),
        result=result.model_dump(mode="json"),
        actor=actor,
        created_at=created_at,
    )
    await audit.insert(session, stored, actor=actor, entity_type="stress_test", snapshot=_snapshot)
    return result


async def get(session: AsyncSession, test_id: uuid.UUID) -> StressTestOut:
    """A stored run, as it answered when it ran."""
    stored = await get_or_404(session, StressTest, test_id)
    return StressTestOut.model_validate(stored.result)
