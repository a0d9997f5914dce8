"""/v1/portfolio risk accounting: expected loss, reserves, stress tests (docs/DOMAIN.md §15-§16)."""

from __future__ import annotations

from customer_api.deps import PortfolioRead, SessionDep, SettingsDep
from customer_api.risk import service
from customer_api.risk.schemas import ExpectedLossReport
from customer_api.settings import CustomerApiSettings
from guarantee_shared.pagination import DEFAULT_LIMIT
from guarantee_shared.schemas.portfolio import GroupBy
from guarantee_shared.web.http import CursorQuery, LimitQuery
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/portfolio", tags=["risk accounting"])


def _risk(settings: CustomerApiSettings) -> service.RiskParameters:
    return service.RiskParameters(default_pd=settings.default_pd, lgd_floor=settings.lgd_floor)


_EXPECTED_LOSS_DOC = """
Expected loss per group (docs/DOMAIN.md §15), computed by the database on the current book.

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
    settings: SettingsDep,
    group_by: GroupBy = GroupBy.NONE,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> ExpectedLossReport:
    return await service.expected_loss(
        session, group_by=group_by, risk=_risk(settings), limit=limit, cursor=cursor
    )
