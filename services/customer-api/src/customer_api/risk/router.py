"""/v1/portfolio risk accounting: expected loss and reserves (docs/DOMAIN.md §16)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response

from customer_api.deps import (
    AdminOnly,
    IdempotencyDep,
    PortfolioRead,
    ReserveRulesDep,
    RiskParametersDep,
    SessionDep,
)
from customer_api.models import ReserveBalance
from customer_api.risk import service
from customer_api.risk.schemas import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    ExpectedLossReport,
    ReserveBalanceIn,
    ReserveBalanceOut,
    ReserveReport,
)
from guarantee_shared.pagination import DEFAULT_LIMIT
from guarantee_shared.schemas.portfolio import GroupBy
from guarantee_shared.web.http import CursorQuery, LimitQuery, json_response
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/portfolio", tags=["risk accounting"])


_EXPECTED_LOSS_DOC = """
Expected loss per group (docs/DOMAIN.md §16), computed by the database on the current book.

* **EAD** per contract: guarantee liability (balance × guarantee_ratio) of a contract in force
  (`active`, `overdue`), or the compensation balance (compensated − recovered − written off) of
  a `compensated` contract.
* **PD** per contract: the customer's latest rating's one-year PD; `default_pd` when the customer
  has no rating (that EAD is also reported as `unrated_ead`); 1 for compensated exposure.
* **LGD** per customer: max(`lgd_floor`, 1 − collateral after haircut / EAD) over all the
  customer's exposure and the collateral of those contracts.
* **EL** = Σ PD × LGD × EAD. A group's `pd` is exposure-weighted and its `lgd` weighted by
  PD × EAD, so `expected_loss` = `pd` × `lgd` × `ead` for every group.

Groups as for the indicators; `group_by=none` always returns one group (zeros on an empty book).
Only `group_by=customer` is paginated (`limit`, `cursor`, by customer id).
"""


@router.get(
    "/expected-loss",
    response_model=ExpectedLossReport,
    summary="Expected loss: EAD, PD, LGD and EL per group",
    description=_EXPECTED_LOSS_DOC,
)
async def get_expected_loss(
    session: SessionDep,
    _: PortfolioRead,
    risk: RiskParametersDep,
    group_by: GroupBy = GroupBy.NONE,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> ExpectedLossReport:
    return await service.expected_loss(
        session, group_by=group_by, risk=risk, limit=limit, cursor=cursor
    )


_RESERVES_DOC = """
A year's fee income and the reserves (准备金) the rules require, against the balances finance
reported for that year (docs/DOMAIN.md §16). A past year is measured at 31 December; the current
year to date (today, China); a later year is 422.

* `fee_income` = Σ principal × `fee_rate` × days in force in the year / 365 (in force from the
  activation day to the day before the contract left force; no `fee_rate`, no fee — those
  contracts are counted in `contracts_without_fee_rate`).
* `unearned_premium_reserve_required` = 50 % of the fee income.
* `compensation_reserve_required` = 1 % of the guarantee liability in force at the year's end,
  added yearly since the first activation; once the accumulated reserve would pass 10 % of that
  liability only the difference is added. `compensation_reserve_accumulated` is the total.
* `shortfall` = Σ over the two reserves of max(0, required − reported), the compensation reserve
  compared accumulated; a year nobody reported counts as zero reserves.
* `expected_loss` is that of the book as it stands (`GET /v1/portfolio/expected-loss`);
  `el_to_reserves` = expected loss / the reported reserves, `null` when none are reported.
Rates are settings (`UNEARNED_PREMIUM_RESERVE_RATE`, `COMPENSATION_RESERVE_RATE`,
`COMPENSATION_RESERVE_CAP`).
"""

YearQuery = Annotated[
    int | None,
    Query(ge=EARLIEST_YEAR, le=LATEST_YEAR, description="The year; default the current one"),
]


@router.get(
    "/reserves",
    response_model=ReserveReport,
    summary="Fee income and required reserves against those reported",
    description=_RESERVES_DOC,
)
async def get_reserves(
    session: SessionDep,
    _: PortfolioRead,
    rules: ReserveRulesDep,
    risk: RiskParametersDep,
    year: YearQuery = None,
) -> ReserveReport:
    return await service.reserves(session, year=year, rules=rules, risk=risk)


def _balance(balance: ReserveBalance, *, status_code: int = 200) -> Response:
    return json_response(
        ReserveBalanceOut.model_validate(balance),
        status_code=status_code,
        version=balance.version,
        location=f"/v1/portfolio/reserve-balances/{balance.year}" if status_code == 201 else None,
    )


@router.post(
    "/reserve-balances",
    status_code=201,
    response_model=ReserveBalanceOut,
    summary="Report the year's reserve balances (finance)",
    description="The unearned-premium and compensation reserves on the books at the year's "
    "end. 201 the first time a year is reported; reported again, the year's figures are "
    "replaced (200) and the change is in the audit log.",
    responses={
        200: {"description": "The year had been reported: its figures are replaced"},
        409: {"description": "Another report of the same year was being recorded; send again"},
    },
)
async def report_reserve_balances(
    body: ReserveBalanceIn,
    session: SessionDep,
    principal: AdminOnly,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        balance, created = await service.report_balance(session, body, actor=principal.sub)
        return _balance(balance, status_code=201 if created else 200)

    return await idempotency.run(body, create)


@router.get(
    "/reserve-balances/{year}",
    response_model=ReserveBalanceOut,
    summary="The reserve balances reported for a year",
    responses={404: {"description": "Nothing reported for that year"}},
)
async def get_reserve_balances(
    year: Annotated[int, Path(ge=EARLIEST_YEAR, le=LATEST_YEAR)],
    session: SessionDep,
    _: PortfolioRead,
) -> Response:
    return _balance(await service.get_balance(session, year))
