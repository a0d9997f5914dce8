"""Portfolio figures: indicators, warning signals, regulatory limits (docs/DOMAIN.md §8-§10).

Every figure is aggregated by PostgreSQL (see :mod:`customer_api.portfolio.queries`); this
module picks the window, pages, and turns the few aggregated rows into response models.
Read-only: nothing here writes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.portfolio import queries
from guarantee_shared.clock import business_today, trailing_year_start
from guarantee_shared.errors import InvalidInput
from guarantee_shared.pagination import bad_cursor, decode_cursor, encode_cursor
from guarantee_shared.schemas.portfolio import (
    CustomerConcentration,
    GroupBy,
    GroupConcentration,
    IndicatorGroup,
    IndicatorReport,
    Period,
    RegulatoryFigures,
    Signal,
    SignalKind,
    SignalPage,
    WeightBucket,
)
from guarantee_shared.types import ratio_num

# The ledger has no events before this day; it stands for "no lower bound" (inception).
_BEGINNING = date(1, 1, 1)

# docs/DOMAIN.md §9 and §10. Regulation, not tuning: these change only with the law.
SMALL_LOAN_CEILING = Decimal("5000000")
WEIGHT_SMALL_LOAN = Decimal("0.75")
WEIGHT_RATED_BOND = Decimal("0.80")
LEVERAGE_CAP = 10
LEVERAGE_CAP_SMALL_MICRO = 15
SMALL_MICRO_BALANCE_SHARE = Decimal("0.5")
SMALL_MICRO_CUSTOMER_SHARE = Decimal("0.8")
SINGLE_CUSTOMER_LIMIT = Decimal("0.10")
GROUP_LIMIT = Decimal("0.15")
TOP = 10
REVENUE_DROP = Decimal("-0.30")
HIGH_DEBT_RATIO = Decimal("0.9")

_DAY_COUNT_SIGNALS = frozenset(
    {
        SignalKind.CONTRACT_OVERDUE,
        SignalKind.REVIEW_OVERDUE,
        SignalKind.COMPLAINT_BREACHED,
        SignalKind.FOLLOW_UP_OVERDUE,
    }
)


def period_start(period: Period, as_of: date) -> date | None:
    """First day of the flow window ending on ``as_of`` (inclusive); None for inception."""
    if period is Period.YTD:
        return date(as_of.year, 1, 1)
    if period is Period.TTM:
        return trailing_year_start(as_of)
    return None


async def _customer_page(
    session: AsyncSession,
    *,
    as_of: date,
    window_start: date,
    limit: int,
    cursor: str | None,
) -> tuple[list[uuid.UUID], str | None]:
    after = decode_cursor(cursor, types=[uuid.UUID])[0] if cursor is not None else None
    result = await session.execute(
        queries.CUSTOMER_PAGE,
        {"after": after, "as_of": as_of, "window_start": window_start, "limit": limit + 1},
    )
    ids = list(result.scalars())
    next_cursor = encode_cursor([ids[limit - 1]]) if len(ids) > limit else None
    return ids[:limit], next_cursor


async def indicators(
    session: AsyncSession,
    *,
    group_by: GroupBy,
    period: Period,
    as_of: date | None,
    limit: int,
    cursor: str | None,
) -> IndicatorReport:
    """Indicators per group; only group_by=customer is paginated (by customer id)."""
    as_of = as_of or business_today()
    start = period_start(period, as_of)
    window_start = start or _BEGINNING
    params: dict[str, Any] = {"as_of": as_of, "window_start": window_start}
    next_cursor: str | None = None
    paged = group_by is GroupBy.CUSTOMER
    if paged:
        page_ids, next_cursor = await _customer_page(
            session, as_of=as_of, window_start=window_start, limit=limit, cursor=cursor
        )
        params["page_ids"] = page_ids
    elif cursor is not None:
        raise InvalidInput(
            "cursor pages only group_by=customer; the other groupings return every group",
            loc=["query", "cursor"],
        )
    rows = (await session.execute(queries.indicators(group_by, paged=paged), params)).mappings()
    groups = [IndicatorGroup.model_validate(dict(row)) for row in rows]
    return IndicatorReport(
        as_of=as_of,
        period=period,
        period_start=start,
        group_by=group_by,
        groups=groups,
        next_cursor=next_cursor,
    )


def _signal_after(cursor: str) -> dict[str, Any]:
    observed, customer, kind, source = decode_cursor(
        cursor, types=[date, uuid.UUID, str, uuid.UUID]
    )
    if kind not in {k.value for k in SignalKind}:
        raise bad_cursor()
    return {
        "after_observed": observed,
        "after_customer": customer,
        "after_kind": kind,
        "after_source": source,
    }


def _signal(row: RowMapping) -> Signal:
    kind = SignalKind(row["kind"])
    number: Decimal | None = row["number"]
    value: int | float | str | None = row["word"]
    if number is not None:
        value = int(number) if kind in _DAY_COUNT_SIGNALS else ratio_num(number)
    return Signal(
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        kind=kind,
        value=value,
        grade=row["grade"],
        observed_at=row["observed_at"],
        source_id=row["source_id"],
        detail=row["detail"],
    )


async def indicators_by_watch(
    session: AsyncSession, *, period: Period, as_of: date
) -> dict[str, IndicatorGroup]:
    """Indicators of the customers under each watch-list prefix (the longest that matches),
    by prefix; prefixes without any contract history are absent."""
    start = period_start(period, as_of) or _BEGINNING
    rows = await session.execute(
        queries.indicators_by_watch(), {"as_of": as_of, "window_start": start}
    )
    groups = (IndicatorGroup.model_validate(dict(row)) for row in rows.mappings())
    return {g.key: g for g in groups if g.key is not None}


async def signals(
    session: AsyncSession,
    *,
    since: date | None,
    kinds: list[SignalKind] | None,
    limit: int,
    cursor: str | None,
) -> SignalPage:
    """Warning signals of active customers, oldest observation first, keyset-paginated."""
    filters: list[str] = []
    params: dict[str, Any] = {
        "today": business_today(),
        "adverse_kinds": list(queries.ADVERSE_KINDS),
        "revenue_drop": REVENUE_DROP,
        "high_debt_ratio": HIGH_DEBT_RATIO,
        "limit": limit + 1,
    }
    if since is not None:
        filters.append(queries.SIGNAL_SINCE)
        params["since"] = since
    if kinds:
        filters.append(queries.SIGNAL_KINDS)
        params["kinds"] = [k.value for k in kinds]
    if cursor is not None:
        filters.append(queries.SIGNAL_AFTER)
        params.update(_signal_after(cursor))
    rows = (await session.execute(queries.signals(filters), params)).mappings().all()
    items = [_signal(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        tail = items[-1]
        next_cursor = encode_cursor(
            [tail.observed_at, tail.customer_id, tail.kind.value, tail.source_id]
        )
    return SignalPage(items=items, next_cursor=next_cursor)


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return part / whole if whole else None


def _customer(item: dict[str, Any], net_assets: Decimal) -> CustomerConcentration:
    liability = Decimal(item["liability"])
    share = liability / net_assets
    return CustomerConcentration(
        customer_id=item["customer_id"],
        name=item["name"],
        liability=liability,
        share=share,
        limit=SINGLE_CUSTOMER_LIMIT,
        within_limit=share <= SINGLE_CUSTOMER_LIMIT,
    )


def _group(item: dict[str, Any], net_assets: Decimal) -> GroupConcentration:
    liability = Decimal(item["liability"])
    share = liability / net_assets
    return GroupConcentration(
        name=item["name"],
        related_group=item["related_group"],
        customers=item["customers"],
        liability=liability,
        share=share,
        limit=GROUP_LIMIT,
        within_limit=share <= GROUP_LIMIT,
    )


@dataclass(frozen=True)
class ProposedContract:
    """A contract not yet in force, counted as if it were (the policy check, DOMAIN §14)."""

    customer_id: uuid.UUID
    product: str
    balance: Decimal
    guarantee_ratio: Decimal


@dataclass(frozen=True)
class Concentration:
    """One customer's financing liability and its related group's (the customer's own
    included), as counted in the regulatory figures."""

    customer_liability: Decimal
    group_liability: Decimal


async def regulatory(
    session: AsyncSession,
    *,
    net_assets: Decimal,
    guarantee_investments: Decimal,
    top: int = TOP,
) -> RegulatoryFigures:
    """Leverage and concentration of financing guarantees in force (docs/DOMAIN.md §9).

    ``top`` bounds the largest customer and group lists (the review report asks for its own).
    """
    figures, _ = await regulatory_after(
        session, net_assets=net_assets, guarantee_investments=guarantee_investments, top=top
    )
    return figures


async def regulatory_after(
    session: AsyncSession,
    *,
    net_assets: Decimal,
    guarantee_investments: Decimal,
    proposed: ProposedContract | None = None,
    top: int = TOP,
) -> tuple[RegulatoryFigures, Concentration]:
    """The figures of :func:`regulatory` with ``proposed`` counted as in force, and the
    concentration of its customer (zero without one)."""
    row = (
        (
            await session.execute(
                queries.REGULATORY,
                {
                    "non_financing": list(queries.NON_FINANCING_PRODUCTS),
                    "loan_type": list(queries.LOAN_TYPE_PRODUCTS),
                    "bond_grades": list(queries.BOND_RATINGS_AT_80),
                    "small_loan_ceiling": SMALL_LOAN_CEILING,
                    "top": top,
                    "proposed_customer": proposed.customer_id if proposed else None,
                    "proposed_product": proposed.product if proposed else None,
                    "proposed_balance": proposed.balance if proposed else None,
                    "proposed_ratio": proposed.guarantee_ratio if proposed else None,
                    "focus": proposed.customer_id if proposed else None,
                },
            )
        )
        .mappings()
        .one()
    )
    financing: Decimal = row["financing_liability"]
    at_75: Decimal = row["liability_75"]
    at_80: Decimal = row["liability_80"]
    at_100 = financing - at_75 - at_80
    weights = [
        WeightBucket(weight=weight, liability=amount, weighted_liability=amount * weight)
        for weight, amount in (
            (WEIGHT_SMALL_LOAN, at_75),
            (WEIGHT_RATED_BOND, at_80),
            (Decimal(1), at_100),
        )
    ]
    weighted = sum((w.weighted_liability for w in weights), Decimal(0))
    base = net_assets - guarantee_investments
    leverage = weighted / base if base > 0 else None
    balance_share = _share(row["small_micro_balance"], row["financing_balance"])
    customer_share = _share(Decimal(row["small_micro_customers"]), Decimal(row["customers"]))
    small_micro_focus = (
        balance_share is not None
        and customer_share is not None
        and balance_share >= SMALL_MICRO_BALANCE_SHARE
        and customer_share >= SMALL_MICRO_CUSTOMER_SHARE
    )
    cap = LEVERAGE_CAP_SMALL_MICRO if small_micro_focus else LEVERAGE_CAP
    top_customers = [_customer(item, net_assets) for item in row["top_customers"]]
    top_groups = [_group(item, net_assets) for item in row["top_groups"]]
    figures = RegulatoryFigures(
        as_of=business_today(),
        net_assets=net_assets,
        guarantee_investments=guarantee_investments,
        financing_liability=financing,
        weighted_liability=weighted,
        weights=weights,
        leverage=leverage,
        leverage_cap=cap,
        leverage_within_cap=None if leverage is None else leverage <= cap,
        financing_balance=row["financing_balance"],
        small_micro_balance_share=balance_share,
        small_micro_customer_share=customer_share,
        largest_customer=top_customers[0] if top_customers else None,
        largest_group=top_groups[0] if top_groups else None,
        top_customers=top_customers,
        top_groups=top_groups,
    )
    focus = Concentration(
        customer_liability=row["focus_liability"], group_liability=row["focus_group_liability"]
    )
    return figures, focus
