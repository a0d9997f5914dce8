"""/v1/portfolio: indicators, warning signals and regulatory figures (scope portfolio:read)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from customer_api.deps import PortfolioRead, ReserveRulesDep, SessionDep, SettingsDep
from customer_api.portfolio import service
from customer_api.risk import service as risk
from guarantee_shared.pagination import DEFAULT_LIMIT
from guarantee_shared.schemas.portfolio import (
    GroupBy,
    IndicatorReport,
    Period,
    RegulatoryFigures,
    SignalKind,
    SignalPage,
)
from guarantee_shared.types import Date
from guarantee_shared.web.http import CursorQuery, LimitQuery
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/portfolio", tags=["portfolio"])

# Dates outside this range are typing mistakes, and would overflow the window arithmetic.
_EARLIEST = date(1900, 1, 1)
_LATEST = date(2999, 12, 31)

_INDICATORS_DOC = """
Portfolio indicators per group (docs/DOMAIN.md §8), aggregated by the database.

* **Stock figures** — `customers` (distinct customers with at least one contract in force in the
  group), `contracts` (contracts in force), `outstanding_balance`, `guarantee_liability`,
  `collateral_value`, `coverage_ratio`, `overdue_amount` (Σ overdue amounts of contracts in
  force) and `overdue_rate` (balance of contracts in status `overdue` / outstanding balance) —
  are the **current** state of contracts in force (status `active` or `overdue`): `as_of` does
  not move them.
* **Flow figures** — `released_amount` (principal of contracts whose `released_on` falls in the
  period), `compensated_amount`, `recovered_amount`, `loss_amount` (write-offs) and their rates —
  sum the ledger by `occurred_on` over `[period_start, as_of]`: `ytd` starts on 1 January of
  `as_of`'s year, `ttm` one year before `as_of` plus one day, `inception` has no start.
  `compensation_balance` is cumulative up to `as_of`.
* Ratios are `null` when their denominator is zero.

A group is listed when it has a contract in force, a release in the period or compensation
history up to `as_of`. Customers not yet rated or classified fall in the group with key `null`.
`group_by=none` always returns exactly one group (key `null`), zeros on an empty book.
Only `group_by=customer` is paginated (`limit`, `cursor`, ordered by customer id, each group
with the customer's `name`); the other groupings return every group and refuse a `cursor`.
"""

_SIGNALS_DOC = """
Customer-level warning signals of active customers (docs/DOMAIN.md §10), oldest `observed_at` first,
keyset-paginated; `since` keeps signals observed on or after that date, `kind` (repeatable)
keeps those kinds.

* `contract_overdue` — a contract in status `overdue`; value = days since `overdue_since`
  (today in China, UTC+8), observed at `overdue_since`.
* `adverse_event` — an unresolved credit event of kind `loan_overdue`, `default`, `tax_arrears`,
  `abnormal_operation`, `litigation`, `dishonest_executee` or `administrative_penalty`, or the
  customer's latest `tax_credit_grade` when C or D, or latest `external_rating` when in the C
  class (CCC, CC, C); value = the event kind, `grade` set for graded kinds; observed at
  `occurred_on`.
* `revenue_drop` — latest annual revenue against the previous annual statement fell by 30 % or
  more; value = the growth (e.g. -0.35), observed at the latest `period_end`.
* `negative_operating_cash_flow` and `high_debt_ratio` (debt ratio above 0.9) — on the latest
  statement (the newest annual, a quarterly one only without any annual); value = the operating
  cash flow (money string) or the debt ratio.
* `review_overdue` — `next_review_due` before today; value = days past due.
* `complaint_breached` — a complaint not yet resolved (open, assigned or responded) whose
  `due_at` has passed; value = whole days past `due_at`, observed at the (China) date of `due_at`,
  `source_id` the complaint. Resolving the complaint, even late, ends the signal.
* `tier_downgrade` — the customer's newest rating has a worse risk tier than the rating before
  it; `value` is the new tier, `observed_at` the (China) date of the newest rating.
* `industry_watch` — the customer's industry code falls under an entry of the industry
  watch-list in effect (the longest prefix that matches); `value` is its level (`watch`,
  `restricted`, `prohibited`), `observed_at` its `effective_from`, `source_id` the entry.
* `follow_up_overdue` — the customer's latest interaction set a `follow_up_on` that has passed;
  value = days past it, observed the day after it, `source_id` the interaction. Recording any
  later interaction ends the signal.
"""

_REGULATORY_DOC = """
Leverage and concentration of financing guarantees in force (docs/DOMAIN.md §9; 条例 arts. 15-17).

* Financing guarantees are all products except `bid_bond`, `performance_bond` and
  `litigation_preservation`; amounts are guarantee liability (balance × guarantee_ratio).
* Weights: 75 % for loan-type guarantees (`loan`, `bill_acceptance`, `trade_finance`) to
  customers of size `small` or `micro` whose total balance in force with us (every product) is
  at most 5,000,000.00; 80 % for `bond` guarantees to issuers whose latest `external_rating`
  credit event is AA or better (AAA, AA+, AA — the external issuer rating the rule refers to,
  not our internal `credit_grade`); 100 % otherwise.
* `leverage` = weighted liability / (net assets − investments in other guarantors), capped at
  10×, or 15× when small/micro customers hold ≥ 50 % of the financing balance in force and are
  ≥ 80 % of the customers with financing guarantees in force.
* Concentration: financing liability to one customer ≤ 10 % of net assets; to a related group
  (customers sharing `related_group`; a customer in no group is a group of its own) ≤ 15 %.
  Net assets and investments come from the service's configuration.
* `reserves`: the current year's reserve lines (required, reported, shortfall), as
  `GET /v1/portfolio/reserves` gives them.
"""


@router.get(
    "/indicators",
    response_model=IndicatorReport,
    summary="Portfolio indicators, optionally grouped",
    description=_INDICATORS_DOC,
)
async def get_indicators(
    session: SessionDep,
    _: PortfolioRead,
    group_by: GroupBy = GroupBy.NONE,
    period: Period = Period.YTD,
    as_of: Annotated[
        Date | None,
        Query(
            ge=_EARLIEST,
            le=_LATEST,
            description="End of the flow window; default today (China, UTC+8)",
        ),
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> IndicatorReport:
    return await service.indicators(
        session, group_by=group_by, period=period, as_of=as_of, limit=limit, cursor=cursor
    )


@router.get(
    "/signals",
    response_model=SignalPage,
    summary="Customer warning signals",
    description=_SIGNALS_DOC,
)
async def get_signals(
    session: SessionDep,
    _: PortfolioRead,
    since: Annotated[
        Date | None, Query(ge=_EARLIEST, le=_LATEST, description="observed_at on or after")
    ] = None,
    kind: Annotated[list[SignalKind] | None, Query(description="Only these kinds")] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> SignalPage:
    return await service.signals(session, since=since, kinds=kind, limit=limit, cursor=cursor)


@router.get(
    "/regulatory",
    response_model=RegulatoryFigures,
    summary="Leverage and concentration against the regulatory limits",
    description=_REGULATORY_DOC,
)
async def get_regulatory(
    session: SessionDep, _: PortfolioRead, settings: SettingsDep, rules: ReserveRulesDep
) -> RegulatoryFigures:
    return await risk.regulatory(
        session,
        net_assets=settings.guarantor_net_assets,
        guarantee_investments=settings.guarantor_guarantee_investments,
        rules=rules,
    )
