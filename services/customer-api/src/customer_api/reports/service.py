"""The review report: every section aggregated by PostgreSQL, assembled into one model.

Book indicators and regulatory figures come from :mod:`customer_api.portfolio.service`, so the
report and the portfolio endpoints can never disagree; the rest is
:mod:`customer_api.reports.queries` (book sections here, evaluation metrics in
:mod:`customer_api.reports.evaluation`). Read-only: nothing here writes.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.models import IndustryWatch
from customer_api.portfolio import service as portfolio
from customer_api.ratings import backtest
from customer_api.ratings.schemas import BacktestOut
from customer_api.reports import evaluation, labels, queries
from customer_api.reports.schemas import (
    Bucket,
    ClassTierCell,
    Distribution,
    Evaluation,
    HighRisk,
    HighRiskCustomer,
    IndustryReview,
    Largest,
    Reason,
    ReportBacktest,
    ReviewDue,
    ReviewReport,
    ReviewsDue,
    RocPoint,
    Totals,
    WatchedIndustry,
)
from guarantee_shared.clients.alerting import AlertingClient
from guarantee_shared.clock import business_today, utc_now
from guarantee_shared.errors import InvalidInput
from guarantee_shared.schemas.portfolio import GroupBy, IndicatorGroup, Period

REVIEW_HORIZON_DAYS = 30
# Dates before this are typing mistakes (and would underflow the window arithmetic).
EARLIEST = date(1900, 1, 1)
PERIOD = Period.TTM
# The one-year PD is the one the ratings state, so the report backtests over a year.
BACKTEST_HORIZON_MONTHS = 12
# Orders the tier and class groups the way a reader scans them; unknown keys go last.
_TIER_ORDER = {key: i for i, key in enumerate((*labels.TIERS, None))}
_CLASS_ORDER = {key: i for i, key in enumerate((*labels.CLASSES, None))}


async def _indicators(
    session: AsyncSession, group_by: GroupBy, as_of: date, order: dict[Any, int]
) -> list[IndicatorGroup]:
    report = await portfolio.indicators(
        session, group_by=group_by, period=PERIOD, as_of=as_of, limit=1, cursor=None
    )
    return sorted(report.groups, key=lambda g: order.get(g.key, len(order)))


async def _totals(session: AsyncSession, as_of: date) -> Totals:
    row = (await session.execute(queries.TOTALS)).mappings().one()
    (book,) = await _indicators(session, GroupBy.NONE, as_of, {})
    return Totals(**row, book=book)


def _bucket(names: dict[str, str], key: str, row: RowMapping) -> Bucket:
    return Bucket(
        key=key,
        label=labels.label(names, key),
        customers=row["customers"],
        guarantee_liability=row["guarantee_liability"],
    )


async def _distribution(session: AsyncSession) -> Distribution:
    cells: list[ClassTierCell] = []
    sizes: list[Bucket] = []
    sections: list[Bucket] = []
    ownership: list[Bucket] = []
    positions: list[Bucket] = []
    for row in (await session.execute(queries.DISTRIBUTION)).mappings():
        if row["dimension"] == "class_tier":
            cells.append(
                ClassTierCell(
                    customer_class=row["customer_class"],
                    risk_tier=row["risk_tier"],
                    customers=row["customers"],
                    guarantee_liability=row["guarantee_liability"],
                )
            )
        elif row["dimension"] == "size":
            sizes.append(_bucket(labels.SIZE, row["size_class"], row))
        elif row["dimension"] == "ownership":
            ownership.append(_bucket(labels.OWNERSHIP, row["ownership"], row))
        elif row["dimension"] == "market_position":
            positions.append(_bucket(labels.MARKET_POSITION, row["market_position"], row))
        else:
            sections.append(_bucket(labels.INDUSTRY, row["industry_section"], row))
    return Distribution(
        class_by_tier=cells,
        by_size=_in_order(sizes, labels.SIZE),
        by_industry_section=sections,
        by_ownership=_in_order(ownership, labels.OWNERSHIP),
        by_market_position=_in_order(positions, labels.MARKET_POSITION),
    )


def _in_order(buckets: list[Bucket], names: dict[str, str]) -> list[Bucket]:
    """Buckets in the order their labels are listed; keys without a label go last."""
    order = {key: i for i, key in enumerate(names)}
    return sorted(buckets, key=lambda b: order.get(b.key, len(order)))


def _reasons(raw: Any) -> list[Reason]:
    """The reasons of a stored rating result, skipping entries that do not fit the shape."""
    if not isinstance(raw, list):
        return []
    found: list[Reason] = []
    for item in raw:
        if isinstance(item, dict):
            try:
                found.append(Reason.model_validate(item))
            except ValueError:
                continue
    return found


async def _high_risk(session: AsyncSession) -> HighRisk:
    rows = (await session.execute(queries.HIGH_RISK, {"limit": queries.LIST_MAX})).mappings().all()
    customers = [
        HighRiskCustomer(
            customer_id=row["customer_id"],
            name=row["name"],
            risk_tier=row["risk_tier"],
            customer_class=row["customer_class"],
            credit_grade=row["credit_grade"],
            score=None if row["score"] is None else int(row["score"]),
            rated_at=row["rated_at"],
            guarantee_liability=row["guarantee_liability"],
            reasons=_reasons(row["reasons"]),
            knockouts=[str(k) for k in row["knockouts"] or []],
            strategy=row["strategy"],
        )
        for row in rows
    ]
    return HighRisk(count=rows[0]["total"] if rows else 0, customers=customers)


async def _reviews_due(session: AsyncSession, as_of: date) -> ReviewsDue:
    horizon = as_of + timedelta(days=REVIEW_HORIZON_DAYS)
    rows = (
        (
            await session.execute(
                queries.REVIEWS_DUE, {"as_of": as_of, "horizon": horizon, "limit": queries.LIST_MAX}
            )
        )
        .mappings()
        .all()
    )
    head = rows[0]
    due = [
        ReviewDue(
            customer_id=row["customer_id"],
            name=row["name"],
            risk_tier=row["risk_tier"],
            next_review_due=row["next_review_due"],
            last_verified_at=row["last_verified_at"],
            overdue=row["next_review_due"] < as_of,
            days_overdue=max(0, (as_of - row["next_review_due"]).days),
        )
        for row in rows
        if row["customer_id"] is not None  # the lateral join's empty row
    ]
    return ReviewsDue(
        horizon=horizon,
        due=head["due"],
        overdue=head["overdue"],
        unscheduled=head["unscheduled"],
        customers=due,
    )


def _no_contracts(key: str) -> IndicatorGroup:
    zero = Decimal(0)
    return IndicatorGroup(
        key=key,
        customers=0,
        contracts=0,
        outstanding_balance=zero,
        guarantee_liability=zero,
        collateral_value=zero,
        coverage_ratio=None,
        overdue_amount=zero,
        overdue_rate=None,
        released_amount=zero,
        compensated_amount=zero,
        compensation_rate=None,
        recovered_amount=zero,
        recovery_rate=None,
        compensation_balance=zero,
        loss_amount=zero,
        loss_rate=None,
    )


async def _industry_review(
    session: AsyncSession, as_of: date, book: IndicatorGroup
) -> IndustryReview:
    entries = (
        await session.scalars(select(IndustryWatch).order_by(IndustryWatch.industry_prefix))
    ).all()
    groups = await portfolio.indicators_by_watch(session, period=PERIOD, as_of=as_of)
    watched = [
        WatchedIndustry(
            id=entry.id,
            industry_prefix=entry.industry_prefix,
            level=entry.level,
            reason=entry.reason,
            effective_from=entry.effective_from,
            in_effect=entry.effective_from <= as_of,
            indicators=groups.get(entry.industry_prefix) or _no_contracts(entry.industry_prefix),
        )
        for entry in entries
    ]
    liability = sum((w.indicators.guarantee_liability for w in watched), Decimal(0))
    whole = book.guarantee_liability
    return IndustryReview(
        entries=watched,
        guarantee_liability=liability,
        share_of_book=liability / whole if whole else None,
    )


async def review_report(
    session: AsyncSession,
    *,
    as_of: date | None,
    top: int,
    net_assets: Decimal,
    guarantee_investments: Decimal,
    alerting: AlertingClient | None,
) -> ReviewReport:
    """The whole report as of ``as_of``; the alerting service is asked in parallel, if given.

    Alerts only add to warning effectiveness: when the service is down, slow or not deployed the
    section says so and the report is still served. ``as_of`` defaults to today in China and
    may not be later: the windows would count days that have not happened.
    """
    today = business_today()
    as_of = as_of or today
    if as_of > today:
        raise InvalidInput(
            f"as_of {as_of} is in the future (today is {today})", loc=["query", "as_of"]
        )
    alerts = asyncio.create_task(evaluation.alert_history(alerting))
    try:
        totals = await _totals(session, as_of)
        distribution = await _distribution(session)
        by_tier = await _indicators(session, GroupBy.RISK_TIER, as_of, _TIER_ORDER)
        by_class = await _indicators(session, GroupBy.CUSTOMER_CLASS, as_of, _CLASS_ORDER)
        regulatory = await portfolio.regulatory(
            session, net_assets=net_assets, guarantee_investments=guarantee_investments, top=top
        )
        high_risk = await _high_risk(session)
        reviews_due = await _reviews_due(session, as_of)
        completeness = await evaluation.data_completeness(session, as_of=as_of)
        grading = await evaluation.grading_accuracy(session, as_of=as_of)
        satisfaction = await evaluation.satisfaction(session, as_of=as_of)
        complaints = await evaluation.complaint_sla(session, as_of=as_of)
        industry_review = await _industry_review(session, as_of, totals.book)
        warnings = await evaluation.warning_effectiveness(session, as_of=as_of, alerts=await alerts)
        tested = await backtest.backtest(
            session, as_of=as_of, horizon_months=BACKTEST_HORIZON_MONTHS, model_version=None
        )
    finally:
        if not alerts.done():
            alerts.cancel()
    return ReviewReport(
        as_of=as_of,
        generated_at=utc_now(),
        period=PERIOD,
        top=top,
        totals=totals,
        distribution=distribution,
        indicators_by_tier=by_tier,
        indicators_by_class=by_class,
        regulatory=regulatory,
        largest=Largest(customers=regulatory.top_customers, groups=regulatory.top_groups),
        high_risk=high_risk,
        reviews_due=reviews_due,
        evaluation=Evaluation(
            data_completeness=completeness,
            grading_accuracy=grading,
            warning_effectiveness=warnings,
            satisfaction=satisfaction,
            complaint_sla=complaints,
        ),
        backtest=ReportBacktest.model_validate(
            {
                **BacktestOut.model_validate(tested).model_dump(),
                "roc": [RocPoint(fpr=x, tpr=y) for x, y in tested.roc],
            }
        ),
        industry_review=industry_review,
    )
