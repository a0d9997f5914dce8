"""/v1/portfolio stress tests (docs/DOMAIN.md §16): run one, read one back, list the presets."""

from __future__ import annotations

import uuid

from fastapi.responses import Response

from customer_api.deps import (
    IdempotencyDep,
    PortfolioRead,
    RiskParametersDep,
    SessionDep,
    SettingsDep,
)
from customer_api.stress import service
from customer_api.stress.schemas import StressPresetList, StressTestIn, StressTestOut
from guarantee_shared.web.http import json_response
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/portfolio", tags=["risk accounting"])

_STRESS_DOC = """
Stress the book as it stands (docs/DOMAIN.md §16) and store the run with its inputs.

* Each shock's `filter` selects exposures: `industry_section`, `region_code` (prefixes),
  `size_class`, `risk_tier` (the customer's) and `product` (the contract's), each a list (or one
  value) of which the exposure must match one; every field given must hold; an empty filter
  hits the whole book. `collateral_kind` narrows a `haircut_add` to collateral of those kinds.
* `pd_multiplier` multiplies the PD of the exposures hit, `haircut_add` adds to the haircut of
  their collateral; shocks compose multiplicatively for PD and additively for haircuts, each
  capped at 1. Compensated exposure stays at PD 1.
* Or `preset` (`GET /v1/portfolio/stress-presets`), which brings its own shocks and
  `net_assets_shock`. With neither, the answer is the unstressed book.

The answer: `expected_loss` (and `baseline_expected_loss` without the shocks),
`expected_compensations` = Σ PD × EAD over exposure in force, `reserve_shortfall` =
max(0, EL − reserves) against the latest reserves finance reported (zero when none),
`net_assets_after` = net assets × (1 − `net_assets_shock`) − that shortfall, `leverage_after`
= weighted liability / (net assets after − investments in other guarantors), `breaches_cap`
(also true when no capital is left), and the ten customers with the largest stressed EL.
`inputs` records everything the answer was computed from.
"""


@router.post(
    "/stress-tests",
    status_code=201,
    response_model=StressTestOut,
    summary="Run a stress test on the book",
    description=_STRESS_DOC,
)
async def run_stress_test(
    body: StressTestIn,
    session: SessionDep,
    principal: PortfolioRead,
    settings: SettingsDep,
    risk: RiskParametersDep,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        result = await service.run(
            session,
            body,
            actor=principal.sub,
            net_assets=settings.guarantor_net_assets,
            guarantee_investments=settings.guarantor_guarantee_investments,
            risk=risk,
        )
        return json_response(
            result, status_code=201, location=f"/v1/portfolio/stress-tests/{result.id}"
        )

    return await idempotency.run(body, create)


@router.get(
    "/stress-tests/{test_id}",
    response_model=StressTestOut,
    summary="A stress test as it answered when it ran",
    responses={404: {"description": "No such stress test"}},
)
async def get_stress_test(
    test_id: uuid.UUID, session: SessionDep, _: PortfolioRead
) -> StressTestOut:
    return await service.get(session, test_id)


@router.get(
    "/stress-presets",
    response_model=StressPresetList,
    summary="The named stress scenarios",
)
async def list_stress_presets(_: PortfolioRead) -> StressPresetList:
    return StressPresetList(items=service.presets())
