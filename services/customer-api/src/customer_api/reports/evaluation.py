"""The plan's evaluation metrics (docs/DOMAIN.md §1.6): completeness, grading accuracy, warning
effectiveness, satisfaction trend and complaint SLA. Definitions are in the section models."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.portfolio import queries as portfolio_queries
from customer_api.reports import labels, queries
from customer_api.reports.schemas import (
    AlertsStatus,
    Compensation,
    ComplaintSla,
    DataCompleteness,
    FactPresence,
    GradingAccuracy,
    QuarterScore,
    Satisfaction,
    SeveritySla,
    TierOutcome,
    WarningEffectiveness,
)
from guarantee_shared.clients.alerting import AlertingClient, AlertRecord
from guarantee_shared.clock import CHINA_TZ, add_months, trailing_year_start, utc_now
from guarantee_shared.errors import PeerUnavailable
from guarantee_shared.logging import get_logger

log = get_logger(__name__)

STATEMENT_MONTHS = 15
LEAD_DAYS = 180
QUARTERS = 8
ALERTS_BUDGET_S = 3.0
_SCORE_PLACES = Decimal("0.01")


def _share(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


async def data_completeness(session: AsyncSession, *, as_of: date) -> DataCompleteness:
    params = {"as_of": as_of, "statement_from": add_months(as_of, -STATEMENT_MONTHS)}
    row = (await session.execute(queries.COMPLETENESS, params)).mappings().one()
    customers: int = row["customers"]

    def presence(fact: str) -> FactPresence:
        return FactPresence(fact=fact, present=row[fact], share=_share(row[fact], customers))

    return DataCompleteness(
        customers=customers,
        facts=[presence(fact) for fact, _ in queries.FACTS],
        current_statement=presence("current_statement"),
        complete_profiles=row["complete_profiles"],
        complete=row["complete"],
        complete_share=_share(row["complete"], customers),
    )


async def grading_accuracy(session: AsyncSession, *, as_of: date) -> GradingAccuracy:
    cohort_date = trailing_year_start(as_of) - timedelta(days=1)
    rows = {
        row["risk_tier"]: row
        for row in (
            await session.execute(queries.GRADING, {"cohort_date": cohort_date, "as_of": as_of})
        ).mappings()
    }
    keys = [*labels.TIERS, *sorted(set(rows) - set(labels.TIERS))]
    by_tier = [
        TierOutcome(
            risk_tier=key,
            customers=rows[key]["customers"] if key in rows else 0,
            compensated=rows[key]["compensated"] if key in rows else 0,
            compensation_rate=_share(rows[key]["compensated"], rows[key]["customers"])
            if key in rows
            else None,
        )
        for key in keys
    ]
    rated = [t for t in by_tier if t.risk_tier != "unrated"]
    compensated_rated = sum(t.compensated for t in rated)
    captured = sum(t.compensated for t in rated if t.risk_tier in ("medium", "high"))
    rates = [
        t.compensation_rate
        for t in by_tier
        if t.risk_tier in labels.TIERS and t.compensation_rate is not None
    ]
    monotone = None
    if compensated_rated and len(rates) >= 2:
        monotone = all(a <= b for a, b in itertools.pairwise(rates))
    return GradingAccuracy(
        cohort_date=cohort_date,
        rated_customers=sum(t.customers for t in rated),
        compensated_customers=sum(t.compensated for t in by_tier),
        by_tier=by_tier,
        captured=captured,
        captured_share=_share(captured, compensated_rated),
        monotone=monotone,
    )


async def alert_history(client: AlertingClient | None) -> list[AlertRecord] | str:
    """The alerting service's alerts, or why they could not be had (never raises)."""
    if client is None:
        return "no alerting service is configured"
    try:
        async with asyncio.timeout(ALERTS_BUDGET_S):
            return await client.alerts()
    except PeerUnavailable as exc:
        log.warning("report_alerts_unavailable", reason=exc.detail)
        return exc.detail
    except TimeoutError:
        log.warning("report_alerts_unavailable", reason="timeout")
        return f"alerting did not answer within {ALERTS_BUDGET_S:g} s"


def _alert_days(alerts: list[AlertRecord]) -> dict[uuid.UUID, list[date]]:
    """China dates on which each customer's alerts started or fired."""
    days: dict[uuid.UUID, list[date]] = {}
    for alert in alerts:
        customer = alert.customer_id
        if customer is None:
            continue
        for moment in (alert.started_at, alert.fired_at):
            if moment is not None:
                days.setdefault(customer, []).append(moment.astimezone(CHINA_TZ).date())
    return days


async def warning_effectiveness(
    session: AsyncSession, *, as_of: date, alerts: list[AlertRecord] | str
) -> WarningEffectiveness:
    start = trailing_year_start(as_of)
    params = {
        "window_start": start,
        "as_of": as_of,
        "lead_days": LEAD_DAYS,
        "adverse_kinds": list(portfolio_queries.ADVERSE_KINDS),
    }
    rows = (await session.execute(queries.WARNINGS, params)).mappings().all()
    alert_days = _alert_days(alerts) if isinstance(alerts, list) else {}
    items: list[Compensation] = []
    for row in rows:
        sources = sorted(row["sources"])
        first: date | None = row["first_warning"]
        on: date = row["occurred_on"]
        alerted = [
            d for d in alert_days.get(row["customer_id"], []) if on - timedelta(LEAD_DAYS) <= d < on
        ]
        if alerted:
            sources.append("alert")
            first = min([*alerted, *([first] if first else [])])
        items.append(
            Compensation(
                customer_id=row["customer_id"],
                name=row["name"],
                occurred_on=on,
                amount=row["amount"],
                warned_by=sources,
                lead_days=None if first is None else (on - first).days,
            )
        )
    warned = [item for item in items if item.warned_by]
    by_source = Counter(source for item in items for source in item.warned_by)
    leads = [item.lead_days for item in warned if item.lead_days is not None]
    return WarningEffectiveness(
        window_start=start,
        lead_days=LEAD_DAYS,
        compensations=len(items),
        warned=len(warned),
        warned_share=_share(len(warned), len(items)),
        by_source={source: by_source.get(source, 0) for source in labels.WARNING_SOURCE},
        average_lead_days=round(sum(leads) / len(leads), 1) if leads else None,
        alerts=AlertsStatus.AVAILABLE if isinstance(alerts, list) else AlertsStatus.UNAVAILABLE,
        alerts_detail=None if isinstance(alerts, list) else alerts,
        items=items[: queries.LIST_MAX],
    )


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


async def satisfaction(session: AsyncSession, *, as_of: date) -> Satisfaction:
    starts = [add_months(_quarter_start(as_of), -3 * n) for n in reversed(range(QUARTERS))]
    params = {"first_quarter": starts[0], "as_of": as_of}
    found = {
        row["quarter_start"]: row
        for row in (await session.execute(queries.SATISFACTION, params)).mappings()
    }
    quarters = []
    for start in starts:
        row = found.get(start)
        average = None
        if row is not None:
            average = float(Decimal(row["average_score"]).quantize(_SCORE_PLACES, ROUND_HALF_EVEN))
        quarters.append(
            QuarterScore(
                quarter=f"{start.year}Q{(start.month - 1) // 3 + 1}",
                start=start,
                surveys=row["surveys"] if row is not None else 0,
                average_score=average,
            )
        )
    last, previous = quarters[-1].average_score, quarters[-2].average_score
    change = None if last is None or previous is None else round(last - previous, 2)
    return Satisfaction(quarters=quarters, change=change)


def report_moment(as_of: date) -> datetime:
    """Now, or the end of ``as_of`` in China when that is earlier."""
    end_of_day = datetime.combine(as_of + timedelta(days=1), time(0), CHINA_TZ)
    return min(utc_now(), end_of_day.astimezone(UTC))


def _sla(severity: str, row: dict[str, int] | None) -> SeveritySla:
    counts = row or {}
    resolved = counts.get("resolved", 0)
    within = counts.get("resolved_within_due", 0)
    return SeveritySla(
        severity=severity,
        complaints=counts.get("complaints", 0),
        resolved=resolved,
        resolved_within_due=within,
        within_due_share=_share(within, resolved),
        open=counts.get("open", 0),
        open_breached=counts.get("open_breached", 0),
    )


async def complaint_sla(session: AsyncSession, *, as_of: date) -> ComplaintSla:
    at = report_moment(as_of)
    start = datetime.combine(trailing_year_start(as_of), time(0), CHINA_TZ)
    rows = {
        row["severity"]: dict(row)
        for row in (
            await session.execute(queries.COMPLAINT_SLA, {"at": at, "window_start": start})
        ).mappings()
    }
    return ComplaintSla(
        at=at,
        by_severity=[_sla(severity, rows.get(severity)) for severity in ("high", "medium", "low")],
        total=_sla("all", rows.get("all")),
    )
