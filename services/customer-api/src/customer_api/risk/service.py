"""Expected loss and reserves (docs/DOMAIN.md §16), aggregated by PostgreSQL
(:mod:`customer_api.risk.queries`).

This module pages, binds the configured figures, and turns the few aggregated rows into
response models; the one thing it writes is the reserve balance finance reports. Flushes, never
commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.models import ReserveBalance
from customer_api.portfolio import service as portfolio
from customer_api.risk import queries
from customer_api.risk.queries import ShockSql
from customer_api.risk.schemas import (
    ExpectedLossGroup,
    ExpectedLossReport,
    ReserveBalanceIn,
    ReserveBalanceOut,
    ReserveReport,
)
from guarantee_shared.clock import business_today
from guarantee_shared.errors import Conflict, InvalidInput, NotFound
from guarantee_shared.pagination import decode_cursor, encode_cursor
from guarantee_shared.schemas.portfolio import GroupBy, RegulatoryFigures, ReserveLines


@dataclass(frozen=True)
class RiskParameters:
    """The configured figures of DOMAIN §16 that EL needs."""

    default_pd: Decimal
    lgd_floor: Decimal


@dataclass(frozen=True)
class ReserveRules:
    """The configured reserve rates of DOMAIN §16 (暂行办法 art. 30)."""

    unearned_premium_rate: Decimal
    compensation_rate: Decimal
    compensation_cap: Decimal


async def _customer_page(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[uuid.UUID], str | None]:
    after = decode_cursor(cursor, types=[uuid.UUID])[0] if cursor is not None else None
    result = await session.execute(queries.EXPOSURE_PAGE, {"after": after, "limit": limit + 1})
    ids = list(result.scalars())
    next_cursor = encode_cursor([ids[limit - 1]]) if len(ids) > limit else None
    return ids[:limit], next_cursor


async def el_rows(
    session: AsyncSession,
    *,
    group_by: GroupBy,
    risk: RiskParameters,
    shocks: Sequence[ShockSql] = (),
    page_ids: list[uuid.UUID] | None = None,
    top: int | None = None,
) -> list[RowMapping]:
    """The EL statement's rows: key, name, customers, ead, pd, lgd, expected_loss,
    unrated_ead, expected_compensations."""
    statement, params = queries.expected_loss(
        group_by, shocks=shocks, paged=page_ids is not None, top=top
    )
    bound: dict[str, Any] = {
        **params,
        "default_pd": risk.default_pd,
        "lgd_floor": risk.lgd_floor,
    }
    if page_ids is not None:
        bound["page_ids"] = page_ids
    return list((await session.execute(statement, bound)).mappings())


async def expected_loss(
    session: AsyncSession,
    *,
    group_by: GroupBy,
    risk: RiskParameters,
    limit: int,
    cursor: str | None,
) -> ExpectedLossReport:
    """EL per group; only group_by=customer is paginated (by customer id)."""
    page_ids: list[uuid.UUID] | None = None
    next_cursor: str | None = None
    if group_by is GroupBy.CUSTOMER:
        page_ids, next_cursor = await _customer_page(session, limit=limit, cursor=cursor)
    elif cursor is not None:
        raise InvalidInput(
            "cursor pages only group_by=customer; the other groupings return every group",
            loc=["query", "cursor"],
        )
    rows = await el_rows(session, group_by=group_by, risk=risk, page_ids=page_ids)
    return ExpectedLossReport(
        as_of=business_today(),
        group_by=group_by,
        default_pd=risk.default_pd,
        lgd_floor=risk.lgd_floor,
        groups=[ExpectedLossGroup.model_validate(dict(row)) for row in rows],
        next_cursor=next_cursor,
    )


def _year_end(year: int, today: date) -> date:
    """Where a year's figures are measured: its last day, or today while it runs."""
    if year > today.year:
        raise InvalidInput(
            f"{year} has not begun; reserves are measured up to the current year",
            loc=["query", "year"],
        )
    return date(year, 12, 31) if year < today.year else today


def accumulate(liabilities: Sequence[tuple[int, Decimal]], rules: ReserveRules) -> list[Decimal]:
    """The compensation reserve added each year: ``rate`` × the year-end liability, but never
    taking the accumulated reserve past ``cap`` × that liability (then only the difference, and
    nothing once it is there). Done here because the cap makes each year depend on the last;
    the input is one aggregated row per year."""
    accumulated = Decimal(0)
    added = []
    for _, liability in liabilities:
        provision = max(
            Decimal(0),
            min(
                rules.compensation_rate * liability,
                rules.compensation_cap * liability - accumulated,
            ),
        )
        accumulated += provision
        added.append(provision)
    return added


def _shortfall(required: Decimal, reported: Decimal | None) -> Decimal:
    return max(Decimal(0), required - (reported or Decimal(0)))


@dataclass(frozen=True)
class _Requirement:
    """A year's reserve figures before expected loss is set against them."""

    lines: ReserveLines
    as_at: date
    fee_income: Decimal
    contracts_without_fee_rate: int
    guarantee_liability: Decimal
    reported: ReserveBalance | None


async def _requirement(session: AsyncSession, *, year: int, rules: ReserveRules) -> _Requirement:
    as_at = _year_end(year, business_today())
    fees = (
        await session.execute(
            queries.FEE_INCOME, {"first_day": date(year, 1, 1), "last_day": as_at}
        )
    ).one()
    years = [
        (row.year, row.liability)
        for row in await session.execute(
            queries.YEAR_END_LIABILITY, {"year": year, "year_end": as_at}
        )
    ]
    added = accumulate(years, rules)
    upr_required = rules.unearned_premium_rate * fees.fee_income
    accumulated = sum(added, Decimal(0))
    reported = await session.scalar(select(ReserveBalance).where(ReserveBalance.year == year))
    upr_reported = None if reported is None else reported.unearned_premium_reserve
    comp_reported = None if reported is None else reported.compensation_reserve
    lines = ReserveLines(
        year=year,
        unearned_premium_reserve_required=upr_required,
        compensation_reserve_required=added[-1],
        compensation_reserve_accumulated=accumulated,
        unearned_premium_reserve_reported=upr_reported,
        compensation_reserve_reported=comp_reported,
        shortfall=_shortfall(upr_required, upr_reported) + _shortfall(accumulated, comp_reported),
    )
    return _Requirement(
        lines=lines,
        as_at=as_at,
        fee_income=fees.fee_income,
        contracts_without_fee_rate=fees.contracts_without_fee_rate,
        guarantee_liability=years[-1][1],
        reported=reported,
    )


async def reserves(
    session: AsyncSession,
    *,
    year: int | None,
    rules: ReserveRules,
    risk: RiskParameters,
) -> ReserveReport:
    """The year's fee income and required reserves against what finance reported, and the
    current expected loss against those reserves."""
    year = business_today().year if year is None else year
    required = await _requirement(session, year=year, rules=rules)
    lines, reported = required.lines, required.reported
    total = reported.unearned_premium_reserve + reported.compensation_reserve if reported else None
    el = (await el_rows(session, group_by=GroupBy.NONE, risk=risk))[0]["expected_loss"]
    return ReserveReport(
        year=year,
        as_at=required.as_at,
        fee_income=required.fee_income,
        contracts_without_fee_rate=required.contracts_without_fee_rate,
        guarantee_liability=required.guarantee_liability,
        unearned_premium_reserve_required=lines.unearned_premium_reserve_required,
        compensation_reserve_required=lines.compensation_reserve_required,
        compensation_reserve_accumulated=lines.compensation_reserve_accumulated,
        reported_balances=None if reported is None else ReserveBalanceOut.model_validate(reported),
        shortfall=lines.shortfall,
        expected_loss=el,
        el_to_reserves=el / total if total else None,
    )


async def regulatory(
    session: AsyncSession,
    *,
    net_assets: Decimal,
    guarantee_investments: Decimal,
    rules: ReserveRules,
) -> RegulatoryFigures:
    """The regulatory figures (docs/DOMAIN.md §9) with the current year's reserve lines."""
    figures = await portfolio.regulatory(
        session, net_assets=net_assets, guarantee_investments=guarantee_investments
    )
    required = await _requirement(session, year=business_today().year, rules=rules)
    return figures.model_copy(update={"reserves": required.lines})


def _balance_snapshot(balance: ReserveBalance) -> dict[str, Any]:
    return ReserveBalanceOut.model_validate(balance).model_dump(mode="json")


async def report_balance(
    session: AsyncSession, fields: ReserveBalanceIn, *, actor: str
) -> tuple[ReserveBalance, bool]:
    """Record the year's reported reserves; a year reported again has its figures replaced.
    Answers the row and whether it was created."""
    existing = await session.scalar(
        select(ReserveBalance).where(ReserveBalance.year == fields.year).with_for_update()
    )
    if existing is None:
        balance = ReserveBalance(
            id=uuid.uuid4(),
            year=fields.year,
            unearned_premium_reserve=fields.unearned_premium_reserve,
            compensation_reserve=fields.compensation_reserve,
            reported_by=actor,
            version=1,
        )
        created = await audit.insert(
            session,
            balance,
            actor=actor,
            entity_type="reserve_balance",
            snapshot=_balance_snapshot,
            on_conflict=lambda: Conflict(
                f"the reserves of {fields.year} were reported at the same moment; send again"
            ),
        )
        return created, True
    before = _balance_snapshot(existing)
    existing.unearned_premium_reserve = fields.unearned_premium_reserve
    existing.compensation_reserve = fields.compensation_reserve
    existing.reported_by = actor
    existing.version += 1
    updated = await audit.update(
        session, existing, before=before, actor=actor, entity_type="reserve_balance",
        snapshot=_balance_snapshot,
    )  # fmt: skip
    return updated, False


async def get_balance(session: AsyncSession, year: int) -> ReserveBalance:
    balance = await session.scalar(select(ReserveBalance).where(ReserveBalance.year == year))
    if balance is None:
        raise NotFound(f"No reserve balances reported for {year}")
    return balance
